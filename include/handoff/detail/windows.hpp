// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// The one place handoff includes <windows.h>, so that every include order users write works.
//
// Without WIN32_LEAN_AND_MEAN, <windows.h> brings the old <winsock.h>, after which <winsock2.h>
// no longer compiles. If <windows.h> has not been included yet, <winsock2.h> is included first
// (it includes <windows.h> itself and keeps <winsock.h> out), so a later <winsock2.h> or
// <windows.h> of the user's is a no-op. If the user included <windows.h> already, the choice
// between the two Winsock headers was theirs and is left alone.
//
// WIN32_LEAN_AND_MEAN and NOMINMAX are never defined here: <windows.h> keeps the meaning the
// program gives it, and handoff's own code compiles with or without the min and max macros.

#ifndef HANDOFF_DETAIL_WINDOWS_HPP_INCLUDED
#define HANDOFF_DETAIL_WINDOWS_HPP_INCLUDED

#include <handoff/config.hpp>

#if HANDOFF_WINDOWS
#if !defined(_WINDOWS_) && !defined(_INC_WINDOWS)
#include <winsock2.h>
#endif
#include <windows.h>
#endif

#endif // HANDOFF_DETAIL_WINDOWS_HPP_INCLUDED
