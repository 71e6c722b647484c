// Every C-runtime function that takes a descriptor or a stream may be named by handoff only in
// detail/crt_calls.hpp, where each call is made with the invalid-parameter handler silenced.
// This unit includes that header, poisons the names, then includes everything else: a header
// that calls one of them directly no longer compiles. Built with every Windows preset; the
// HANDOFF_CHECK_PROVE_POISON build must fail, which shows that the poison works.

#include <handoff/detail/windows.hpp>

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include <handoff/detail/crt_calls.hpp>

// The CRT's descriptor and stream functions, whether handoff uses them today or not.
#pragma GCC poison _close _get_osfhandle _open_osfhandle _fdopen _wfdopen _fileno fclose _fcloseall
#pragma GCC poison _setmode _read _write _lseek _lseeki64 _tell _telli64 _eof _commit _dup _dup2
#pragma GCC poison _chsize _chsize_s _locking _isatty _fstat32 _fstat64 _futime _futime32 _futime64
#pragma GCC poison _filelength _filelengthi64 fflush freopen fileno fdopen setmode isatty lseek dup dup2
#pragma GCC poison _ftelli64 _setmaxstdio
// (close, read and write, the POSIX spellings MinGW also declares, are names handoff's own
// members use, and cannot be poisoned.)
// (_fstat and _fstati64, macros in MinGW's headers, cannot be poisoned.)

#include <handoff/handoff.hpp>

#if defined(HANDOFF_CHECK_PROVE_POISON)
int direct_close(int fd)
{
    return ::_close(fd);
}
#endif
