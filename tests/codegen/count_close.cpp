// The close the counted jobs call, in a translation unit of its own so that no job can see
// into it, and the call the runners time to learn their own cost.

#include "pairs.hpp"

extern "C"
{
    long codegen_closes = 0;

    CODEGEN_FUNCTION void codegen_count_close(void *) noexcept
    {
        ++codegen_closes;
    }

    CODEGEN_FUNCTION void codegen_nothing(void *) noexcept
    {
    }
}
