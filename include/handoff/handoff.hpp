// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief Umbrella header: everything that applies to the platform being compiled for.

#ifndef HANDOFF_HANDOFF_HPP_INCLUDED
#define HANDOFF_HANDOFF_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/crt.hpp>
#include <handoff/error.hpp>
#include <handoff/fd.hpp>
#include <handoff/posix.hpp>
#include <handoff/remote_handle.hpp>
#include <handoff/stdio.hpp>
#include <handoff/unique_handle.hpp>
#include <handoff/win32.hpp>

#endif // HANDOFF_HANDOFF_HPP_INCLUDED
