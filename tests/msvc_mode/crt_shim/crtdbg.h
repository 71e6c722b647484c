// Wine's <crtdbg.h> lacks the report hooks the Windows SDK declares for debug builds, which
// handoff's CRT calls install to drop the debug CRT's assertion reports. Declared here with
// the SDK's signatures, for the MSVC-mode parse only.
#pragma once
#include_next <crtdbg.h>

#ifdef _DEBUG
#ifdef __cplusplus
extern "C" {
#endif

typedef int(__cdecl *_CRT_REPORT_HOOK)(int, char *, int *);
typedef int(__cdecl *_CRT_REPORT_HOOKW)(int, wchar_t *, int *);
#define _CRT_RPTHOOK_INSTALL 0
#define _CRT_RPTHOOK_REMOVE 1
int __cdecl _CrtSetReportHook2(int mode, _CRT_REPORT_HOOK hook);
int __cdecl _CrtSetReportHookW2(int mode, _CRT_REPORT_HOOKW hook);

#ifdef __cplusplus
}
#endif
#endif
