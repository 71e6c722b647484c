// Every pair function, declared for the programs that call them: the code-generation runners
// and the benchmark. Definitions: common_pairs.cpp, windows_pairs.cpp, posix_pairs.cpp and, for clang,
// trivial_abi_pairs.cpp.

#ifndef HANDOFF_TESTS_CODEGEN_PAIR_DECLARATIONS_HPP_INCLUDED
#define HANDOFF_TESTS_CODEGEN_PAIR_DECLARATIONS_HPP_INCLUDED

#include <handoff/handoff.hpp>

#include <cstdio>
#include <system_error>

extern "C"
{
    void raw_move_chain(void *) noexcept;
    void handoff_move_chain(void *) noexcept;
    void uptr_move_chain(void *) noexcept;
    void raw_vector_pop(void *const *) noexcept;
    void handoff_vector_pop(void *const *) noexcept;
    void uptr_vector_pop(void *const *) noexcept;
    void raw_vector_scattered(void *const *) noexcept;
    void handoff_vector_scattered(void *const *) noexcept;
    void uptr_vector_scattered(void *const *) noexcept;
    void raw_vector_front(void *const *) noexcept;
    void handoff_vector_front(void *const *) noexcept;
    void uptr_vector_front(void *const *) noexcept;
#if defined(__clang__)
    void trivial_move_chain(void *) noexcept; // trivial_abi_pairs.cpp
#endif
}

#if defined(_WIN32)
extern "C"
{
    int plain_to_fd_borrowed(HANDLE, std::error_code &) noexcept;
    int raw_to_fd_borrowed(HANDLE, std::error_code &) noexcept;
    int handoff_to_fd_borrowed(HANDLE, std::error_code &) noexcept;
    int plain_to_fd_close(HANDLE) noexcept;
    int raw_to_fd_close(HANDLE) noexcept;
    int handoff_to_fd_close(HANDLE) noexcept;
    int raw_to_fd_moved(HANDLE &, std::error_code &) noexcept;
    int handoff_to_fd_moved(handoff::unique_handle &, std::error_code &) noexcept;
    HANDLE raw_handle_of(int, std::error_code &) noexcept;
    HANDLE handoff_handle_of(int, std::error_code &) noexcept;
    int raw_duplicate_close(HANDLE) noexcept;
    int handoff_duplicate_close(HANDLE) noexcept;
    HANDLE plain_duplicate(HANDLE) noexcept;
    HANDLE raw_duplicate(HANDLE, std::error_code &) noexcept;
    HANDLE handoff_duplicate(HANDLE, std::error_code &) noexcept;
    int raw_duplicate_fd(int, std::error_code &) noexcept;
    int handoff_duplicate_fd(int, std::error_code &) noexcept;
    HANDLE raw_to_handle(int &, std::error_code &) noexcept;
    HANDLE handoff_to_handle(handoff::unique_fd &, std::error_code &) noexcept;
    std::FILE *raw_to_file_moved(HANDLE &, const char *, std::error_code &) noexcept;
    std::FILE *handoff_to_file_moved(handoff::unique_handle &, const char *, std::error_code &) noexcept;
    int plain_lent_write(HANDLE, const char *, unsigned) noexcept;
    int raw_lent_write(HANDLE, const char *, unsigned) noexcept;
    int handoff_lent_write(HANDLE, const char *, unsigned) noexcept;
    int plain_duplicate_close(HANDLE) noexcept;
    HANDLE plain_handle_of(int) noexcept;
    int plain_duplicate_fd_close(int) noexcept;
    int handoff_duplicate_fd_close(int) noexcept;
    int plain_to_file_close(HANDLE) noexcept;
    int handoff_to_file_close(HANDLE) noexcept;
    int plain_to_fd_moved_close(HANDLE) noexcept;
    int handoff_to_fd_moved_close(HANDLE) noexcept;
    int plain_to_handle_close(HANDLE) noexcept;
    int handoff_to_handle_close(HANDLE) noexcept;
    int plain_to_file_moved_close(HANDLE) noexcept;
    int handoff_to_file_moved_close(HANDLE) noexcept;
    int handoff_fd_to_file_close(HANDLE) noexcept;
}
#else
extern "C"
{
    int raw_duplicate_fd(int, std::error_code &) noexcept;
    int handoff_duplicate_fd(int, std::error_code &) noexcept;
    int raw_duplicate_close(int) noexcept;
    int handoff_duplicate_close(int) noexcept;
    std::FILE *raw_to_file_moved(int &, const char *, std::error_code &) noexcept;
    std::FILE *handoff_to_file_moved(handoff::unique_fd &, const char *, std::error_code &) noexcept;
    std::FILE *raw_to_file_borrowed(int, const char *, std::error_code &) noexcept;
    std::FILE *handoff_to_file_borrowed(int, const char *, std::error_code &) noexcept;
    int raw_lent_write(int, const char *) noexcept;
    int handoff_lent_write(int, const char *) noexcept;
    int plain_to_file_moved_close(int) noexcept;
    int handoff_to_file_moved_close(int) noexcept;
}
#endif

#endif // HANDOFF_TESTS_CODEGEN_PAIR_DECLARATIONS_HPP_INCLUDED
