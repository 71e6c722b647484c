// The program every consumer project builds: it uses handoff the way an application would and
// exits non-zero if anything is off. HANDOFF_CONSUMER names how handoff was brought in.

#include <handoff/handoff.hpp>

#include <cstdio>
#include <system_error>

#if !defined(HANDOFF_CONSUMER)
#define HANDOFF_CONSUMER "unknown"
#endif

#if defined(HANDOFF_PACKAGE_VERSION_MAJOR)
static_assert(HANDOFF_VERSION_MAJOR == HANDOFF_PACKAGE_VERSION_MAJOR &&
                  HANDOFF_VERSION_MINOR == HANDOFF_PACKAGE_VERSION_MINOR &&
                  HANDOFF_VERSION_PATCH == HANDOFF_PACKAGE_VERSION_PATCH,
              "the installed package's version differs from its headers' HANDOFF_VERSION_* macros");
#endif

int main()
{
    std::error_code ec;
#if defined(_WIN32)
    const handoff::unique_handle event =
        handoff::adopt_handle(::CreateEventW(nullptr, TRUE, FALSE, nullptr), handoff::null_on_failure, ec);
    const handoff::unique_handle copy = handoff::duplicate(event, ec);
#else
    const handoff::unique_fd copy = handoff::duplicate(handoff::borrowed_fd(1), ec);
#endif
    if (ec || !copy)
    {
        std::printf("%s consumer: duplicate failed: %s\n", HANDOFF_CONSUMER, ec.message().c_str());
        return 1;
    }
    std::printf("%s consumer: handoff %d.%d.%d works\n", HANDOFF_CONSUMER, HANDOFF_VERSION_MAJOR,
                HANDOFF_VERSION_MINOR, HANDOFF_VERSION_PATCH);
    return 0;
}
