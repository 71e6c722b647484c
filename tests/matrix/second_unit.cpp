// The second translation unit of the ODR check: the same headers and instantiations again.
#define HANDOFF_MATRIX_UNIT 2
#include "all_headers.cpp"
