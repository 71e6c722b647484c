// Counts the instructions a call executes, one trap at a time: the trap flag makes the CPU
// stop after each instruction, and a vectored exception handler counts the stop and sets the
// flag again. A call into another module (a system DLL) is not stepped through, since most end
// in a system call that a trap must not follow: the counter puts a breakpoint at the return
// address and lets the DLL run at full speed, then steps on from there. The exceptions are the
// DLL functions named to step_into(), plain user-mode code such as memmove, whose instructions
// count as if they were the program's (std::vector<HANDLE> moves its elements with memmove,
// and an honest count of it must include them).

#ifndef HANDOFF_TESTS_CODEGEN_SINGLE_STEP_COUNTER_HPP_INCLUDED
#define HANDOFF_TESTS_CODEGEN_SINGLE_STEP_COUNTER_HPP_INCLUDED

#include <windows.h>

#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

namespace codegen
{
class single_step_counter
{
  public:
    /// What one call executed.
    struct result
    {
        unsigned long long instructions = 0; // in this program, and in the functions stepped into
        unsigned long long dll_calls = 0;    // calls run at full speed
    };

    single_step_counter() noexcept
    {
        instance() = this;
        const auto base = reinterpret_cast<const unsigned char *>(::GetModuleHandleW(nullptr));
        const auto dos = reinterpret_cast<const IMAGE_DOS_HEADER *>(base);
        const auto nt = reinterpret_cast<const IMAGE_NT_HEADERS *>(base + dos->e_lfanew);
        image_begin_ = reinterpret_cast<std::uintptr_t>(base);
        image_end_ = image_begin_ + nt->OptionalHeader.SizeOfImage;
        // Breakpoints are written into the program's own code.
        DWORD old = 0;
        if (!::VirtualProtect(const_cast<unsigned char *>(base), nt->OptionalHeader.SizeOfImage,
                              PAGE_EXECUTE_READWRITE, &old))
            std::abort();
        handler_ = ::AddVectoredExceptionHandler(1, &on_exception);
    }
    single_step_counter(const single_step_counter &) = delete;
    single_step_counter &operator=(const single_step_counter &) = delete;
    ~single_step_counter()
    {
        ::RemoveVectoredExceptionHandler(handler_);
        instance() = nullptr;
    }

    /// Counts the instructions of `module!name` too, when the program calls it.
    void step_into(const wchar_t *module, const char *name) noexcept
    {
        const HMODULE dll = ::GetModuleHandleW(module);
        if (dll != nullptr)
            if (const FARPROC address = ::GetProcAddress(dll, name))
                stepped_.push_back(reinterpret_cast<std::uintptr_t>(address));
    }

    /// Runs `call()` once, counting.
    template <class Call> result count(Call &&call)
    {
        result_ = {};
        tracing_ = true;
        start_trap();
        std::forward<Call>(call)();
        tracing_ = false;
        return result_;
    }

  private:
    static single_step_counter *&instance() noexcept
    {
        static single_step_counter *current = nullptr;
        return current;
    }

    // Sets the trap flag: the CPU stops after the next instruction.
    static __attribute__((noinline)) void start_trap() noexcept
    {
        __builtin_ia32_writeeflags_u64(__builtin_ia32_readeflags_u64() | trap_flag);
    }

    bool in_image(std::uintptr_t address) const noexcept
    {
        return address >= image_begin_ && address < image_end_;
    }

    bool is_stepped(std::uintptr_t address) const noexcept
    {
        for (const std::uintptr_t entry : stepped_)
            if (entry == address)
                return true;
        return false;
    }

    static LONG CALLBACK on_exception(EXCEPTION_POINTERS *info) noexcept
    {
        single_step_counter *const self = instance();
        if (self == nullptr)
            return EXCEPTION_CONTINUE_SEARCH;
        return self->handle(info->ExceptionRecord, info->ContextRecord);
    }

    LONG handle(const EXCEPTION_RECORD *record, CONTEXT *context) noexcept
    {
        const auto at = static_cast<std::uintptr_t>(context->Rip);
        context->EFlags &= ~trap_flag; // set again below wherever stepping goes on
        if (record->ExceptionCode == EXCEPTION_BREAKPOINT && breakpoint_ != 0 &&
            (at == breakpoint_ || at == breakpoint_ + 1))
        {
            // Back from a DLL at full speed: restore the instruction and step on.
            *reinterpret_cast<unsigned char *>(breakpoint_) = saved_byte_;
            ::FlushInstructionCache(::GetCurrentProcess(), reinterpret_cast<void *>(breakpoint_), 1);
            context->Rip = breakpoint_;
            breakpoint_ = 0;
            if (tracing_)
            {
                ++result_.instructions;
                context->EFlags |= trap_flag;
            }
            return EXCEPTION_CONTINUE_EXECUTION;
        }
        if (record->ExceptionCode != EXCEPTION_SINGLE_STEP)
            return EXCEPTION_CONTINUE_SEARCH;
        if (!tracing_)
            return EXCEPTION_CONTINUE_EXECUTION; // the last trap, after tracing stopped
        if (in_image(at))
        {
            stepped_return_ = 0;
            ++result_.instructions;
            context->EFlags |= trap_flag;
            return EXCEPTION_CONTINUE_EXECUTION;
        }
        if (stepped_return_ != 0 || is_stepped(at))
        {
            if (stepped_return_ == 0)
                stepped_return_ = *reinterpret_cast<const std::uintptr_t *>(context->Rsp);
            ++result_.instructions;
            context->EFlags |= trap_flag;
            return EXCEPTION_CONTINUE_EXECUTION;
        }
        // The first instruction of a DLL function: its return address is on top of the stack.
        const std::uintptr_t back = *reinterpret_cast<const std::uintptr_t *>(context->Rsp);
        if (!in_image(back))
            std::abort(); // a DLL reached from a DLL: nothing here expects one
        ++result_.dll_calls;
        breakpoint_ = back;
        saved_byte_ = *reinterpret_cast<unsigned char *>(back);
        *reinterpret_cast<unsigned char *>(back) = 0xCC;
        ::FlushInstructionCache(::GetCurrentProcess(), reinterpret_cast<void *>(back), 1);
        return EXCEPTION_CONTINUE_EXECUTION;
    }

    static constexpr DWORD trap_flag = 0x100;

    void *handler_ = nullptr;
    std::uintptr_t image_begin_ = 0;
    std::uintptr_t image_end_ = 0;
    std::vector<std::uintptr_t> stepped_;
    std::uintptr_t stepped_return_ = 0; // while inside a stepped DLL function: where it returns
    std::uintptr_t breakpoint_ = 0;
    unsigned char saved_byte_ = 0;
    volatile bool tracing_ = false;
    result result_;
};
} // namespace codegen

#endif // HANDOFF_TESTS_CODEGEN_SINGLE_STEP_COUNTER_HPP_INCLUDED
