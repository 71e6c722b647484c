// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief Umbrella header: everything that applies to the platform being compiled for.
///
/// On Windows the socket family is included only where `<winsock2.h>` can still be: unless a
/// plain `<windows.h>` (and so the old `<winsock.h>`) came first.

#ifndef HANDOFF_HANDOFF_HPP_INCLUDED
#define HANDOFF_HANDOFF_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/crt.hpp>
#include <handoff/error.hpp>
#include <handoff/fd.hpp>
#include <handoff/fd_table.hpp>
#include <handoff/lease.hpp>
#include <handoff/posix.hpp>
#include <handoff/remote_handle.hpp>
#include <handoff/stdio.hpp>
#include <handoff/unique_handle.hpp>
#include <handoff/virtual_fd_io.hpp>
#include <handoff/win32.hpp>

// The socket family needs <winsock2.h>, which a program that included a plain <windows.h>
// first can no longer have; it then includes <handoff/socket.hpp> itself, earlier.
#if !(defined(_WINSOCKAPI_) && !defined(_WINSOCK2API_))
#include <handoff/socket.hpp>
#endif

#endif // HANDOFF_HANDOFF_HPP_INCLUDED
