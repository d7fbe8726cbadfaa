/* SPDX-License-Identifier: MIT */
/*
 * Error names. libsva returns negative errno values everywhere; this turns one into
 * "-EBUSY: Device or resource busy" for messages. The strings are constants: no state.
 */
#include <errno.h>
#include <string.h>

#include "sva/base.h"

struct sva_errno_name {
	int err;
	const char *text;
};

#define SVA_E(e, text)              \
	{                           \
		e, "-" #e ": " text \
	}

static const struct sva_errno_name sva_errno_names[] = {
	SVA_E(EPERM, "Operation not permitted"),
	SVA_E(ENOENT, "No such file or directory"),
	SVA_E(ESRCH, "No such process"),
	SVA_E(EINTR, "Interrupted system call"),
	SVA_E(EIO, "I/O error"),
	SVA_E(ENXIO, "No such device or address"),
	SVA_E(E2BIG, "Argument list too long"),
	SVA_E(EBADF, "Bad file descriptor"),
	SVA_E(ECHILD, "No child processes"),
	SVA_E(EAGAIN, "Resource temporarily unavailable"),
	SVA_E(ENOMEM, "Out of memory"),
	SVA_E(EACCES, "Permission denied"),
	SVA_E(EFAULT, "Bad address"),
	SVA_E(EBUSY, "Device or resource busy"),
	SVA_E(EEXIST, "File exists"),
	SVA_E(ENODEV, "No such device"),
	SVA_E(EINVAL, "Invalid argument"),
	SVA_E(EMFILE, "Too many open files"),
	SVA_E(ENOSPC, "No space left on device"),
	SVA_E(ERANGE, "Result out of range"),
	SVA_E(EDEADLK, "Resource deadlock would occur"),
	SVA_E(ENOSYS, "Function not implemented"),
	SVA_E(EOVERFLOW, "Value too large for defined data type"),
	SVA_E(EOPNOTSUPP, "Operation not supported"),
	SVA_E(ETIMEDOUT, "Connection timed out"),
	SVA_E(ECANCELED, "Operation canceled"),
};

const char *sva_strerror(int err)
{
	if (err == 0)
		return "0: Success";
	if (err > 0)
		err = -err;
	for (size_t i = 0; i < sizeof(sva_errno_names) / sizeof(sva_errno_names[0]); i++)
		if (sva_errno_names[i].err == -err)
			return sva_errno_names[i].text;
	return "unknown error";
}
