// Compiled in every combination of the matrix (C++17/20/23, with and without
// WIN32_LEAN_AND_MEAN and NOMINMAX): every public header, and each family's templates
// instantiated. Two of these translation units are linked into one program (the ODR check),
// which tells them apart with HANDOFF_MATRIX_UNIT.

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/crt.hpp>
#include <handoff/error.hpp>
#include <handoff/fd.hpp>
#include <handoff/handoff.hpp>
#include <handoff/posix.hpp>
#include <handoff/remote_handle.hpp>
#include <handoff/stdio.hpp>
#include <handoff/unique_handle.hpp>
#include <handoff/win32.hpp>

#include <cstdio>
#include <system_error>

#if !defined(HANDOFF_MATRIX_UNIT)
#define HANDOFF_MATRIX_UNIT 1
#endif

#define HANDOFF_MATRIX_CONCAT(a, b) a##b
#define HANDOFF_MATRIX_NAME(a, b) HANDOFF_MATRIX_CONCAT(a, b)

// Uses every family; the same inline functions and templates are instantiated in both units.
int HANDOFF_MATRIX_NAME(exercise_unit_, HANDOFF_MATRIX_UNIT)()
{
    std::error_code ec;
    int failures = 0;
    handoff::unique_fd fd;
    handoff::borrowed_fd fd_view = fd;
    failures += fd_view ? 1 : 0;
    handoff::unique_file stream = handoff::adopt_file(std::tmpfile(), ec);
    failures += ec ? 1 : 0;
    failures += handoff::fd_of(stream) ? 0 : 1;
#if HANDOFF_WINDOWS
    handoff::unique_handle event =
        handoff::adopt_handle(::CreateEventW(nullptr, TRUE, FALSE, nullptr), handoff::null_on_failure, ec);
    handoff::unique_handle copy = handoff::duplicate(event, ec);
    failures += copy ? 0 : 1;
    const handoff::borrowed_handle inner = handoff::handle_of(handoff::fd_of(stream), ec);
    handoff::unique_fd from_handle = handoff::to_fd(inner, ec);
    failures += from_handle ? 0 : 1;
#else
    handoff::unique_fd copy = handoff::duplicate(handoff::borrowed_fd(1), ec);
    failures += copy ? 0 : 1;
#endif
    return failures;
}

#if HANDOFF_MATRIX_UNIT == 1 && defined(HANDOFF_MATRIX_MAIN)
int exercise_unit_2();
int main()
{
    const int failures = exercise_unit_1() + exercise_unit_2();
    std::printf("matrix: two translation units, one program: %s\n", failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
#endif
