// Proves that the emulator really runs programs of this build: it must print its line and exit
// with 7. wine64 without 32-bit support exits 0 on a 32-bit program that never ran.
#include <cstdio>

int main()
{
    std::puts("canary ran");
    return 7;
}
