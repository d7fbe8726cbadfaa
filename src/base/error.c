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

/* Every errno value Linux defines, in order (one name per value: EAGAIN, not EWOULDBLOCK). */
static const struct sva_errno_name sva_errno_names[] = {
	SVA_E(EPERM, "Operation not permitted"),
	SVA_E(ENOENT, "No such file or directory"),
	SVA_E(ESRCH, "No such process"),
	SVA_E(EINTR, "Interrupted system call"),
	SVA_E(EIO, "I/O error"),
	SVA_E(ENXIO, "No such device or address"),
	SVA_E(E2BIG, "Argument list too long"),
	SVA_E(ENOEXEC, "Exec format error"),
	SVA_E(EBADF, "Bad file descriptor"),
	SVA_E(ECHILD, "No child processes"),
	SVA_E(EAGAIN, "Resource temporarily unavailable"),
	SVA_E(ENOMEM, "Out of memory"),
	SVA_E(EACCES, "Permission denied"),
	SVA_E(EFAULT, "Bad address"),
	SVA_E(ENOTBLK, "Block device required"),
	SVA_E(EBUSY, "Device or resource busy"),
	SVA_E(EEXIST, "File exists"),
	SVA_E(EXDEV, "Invalid cross-device link"),
	SVA_E(ENODEV, "No such device"),
	SVA_E(ENOTDIR, "Not a directory"),
	SVA_E(EISDIR, "Is a directory"),
	SVA_E(EINVAL, "Invalid argument"),
	SVA_E(ENFILE, "Too many open files in system"),
	SVA_E(EMFILE, "Too many open files"),
	SVA_E(ENOTTY, "Inappropriate ioctl for device"),
	SVA_E(ETXTBSY, "Text file busy"),
	SVA_E(EFBIG, "File too large"),
	SVA_E(ENOSPC, "No space left on device"),
	SVA_E(ESPIPE, "Illegal seek"),
	SVA_E(EROFS, "Read-only file system"),
	SVA_E(EMLINK, "Too many links"),
	SVA_E(EPIPE, "Broken pipe"),
	SVA_E(EDOM, "Numerical argument out of domain"),
	SVA_E(ERANGE, "Result out of range"),
	SVA_E(EDEADLK, "Resource deadlock would occur"),
	SVA_E(ENAMETOOLONG, "File name too long"),
	SVA_E(ENOLCK, "No locks available"),
	SVA_E(ENOSYS, "Function not implemented"),
	SVA_E(ENOTEMPTY, "Directory not empty"),
	SVA_E(ELOOP, "Too many levels of symbolic links"),
	SVA_E(ENOMSG, "No message of desired type"),
	SVA_E(EIDRM, "Identifier removed"),
	SVA_E(ECHRNG, "Channel number out of range"),
	SVA_E(EL2NSYNC, "Level 2 not synchronized"),
	SVA_E(EL3HLT, "Level 3 halted"),
	SVA_E(EL3RST, "Level 3 reset"),
	SVA_E(ELNRNG, "Link number out of range"),
	SVA_E(EUNATCH, "Protocol driver not attached"),
	SVA_E(ENOCSI, "No CSI structure available"),
	SVA_E(EL2HLT, "Level 2 halted"),
	SVA_E(EBADE, "Invalid exchange"),
	SVA_E(EBADR, "Invalid request descriptor"),
	SVA_E(EXFULL, "Exchange full"),
	SVA_E(ENOANO, "No anode"),
	SVA_E(EBADRQC, "Invalid request code"),
	SVA_E(EBADSLT, "Invalid slot"),
	SVA_E(EBFONT, "Bad font file format"),
	SVA_E(ENOSTR, "Device not a stream"),
	SVA_E(ENODATA, "No data available"),
	SVA_E(ETIME, "Timer expired"),
	SVA_E(ENOSR, "Out of streams resources"),
	SVA_E(ENONET, "Machine is not on the network"),
	SVA_E(ENOPKG, "Package not installed"),
	SVA_E(EREMOTE, "Object is remote"),
	SVA_E(ENOLINK, "Link has been severed"),
	SVA_E(EADV, "Advertise error"),
	SVA_E(ESRMNT, "Srmount error"),
	SVA_E(ECOMM, "Communication error on send"),
	SVA_E(EPROTO, "Protocol error"),
	SVA_E(EMULTIHOP, "Multihop attempted"),
	SVA_E(EDOTDOT, "RFS specific error"),
	SVA_E(EBADMSG, "Bad message"),
	SVA_E(EOVERFLOW, "Value too large for defined data type"),
	SVA_E(ENOTUNIQ, "Name not unique on network"),
	SVA_E(EBADFD, "File descriptor in bad state"),
	SVA_E(EREMCHG, "Remote address changed"),
	SVA_E(ELIBACC, "Can not access a needed shared library"),
	SVA_E(ELIBBAD, "Accessing a corrupted shared library"),
	SVA_E(ELIBSCN, ".lib section in a.out corrupted"),
	SVA_E(ELIBMAX, "Attempting to link in too many shared libraries"),
	SVA_E(ELIBEXEC, "Cannot exec a shared library directly"),
	SVA_E(EILSEQ, "Invalid or incomplete multibyte or wide character"),
	SVA_E(ERESTART, "Interrupted system call should be restarted"),
	SVA_E(ESTRPIPE, "Streams pipe error"),
	SVA_E(EUSERS, "Too many users"),
	SVA_E(ENOTSOCK, "Socket operation on non-socket"),
	SVA_E(EDESTADDRREQ, "Destination address required"),
	SVA_E(EMSGSIZE, "Message too long"),
	SVA_E(EPROTOTYPE, "Protocol wrong type for socket"),
	SVA_E(ENOPROTOOPT, "Protocol not available"),
	SVA_E(EPROTONOSUPPORT, "Protocol not supported"),
	SVA_E(ESOCKTNOSUPPORT, "Socket type not supported"),
	SVA_E(EOPNOTSUPP, "Operation not supported"),
	SVA_E(EPFNOSUPPORT, "Protocol family not supported"),
	SVA_E(EAFNOSUPPORT, "Address family not supported by protocol"),
	SVA_E(EADDRINUSE, "Address already in use"),
	SVA_E(EADDRNOTAVAIL, "Cannot assign requested address"),
	SVA_E(ENETDOWN, "Network is down"),
	SVA_E(ENETUNREACH, "Network is unreachable"),
	SVA_E(ENETRESET, "Network dropped connection on reset"),
	SVA_E(ECONNABORTED, "Software caused connection abort"),
	SVA_E(ECONNRESET, "Connection reset by peer"),
	SVA_E(ENOBUFS, "No buffer space available"),
	SVA_E(EISCONN, "Transport endpoint is already connected"),
	SVA_E(ENOTCONN, "Transport endpoint is not connected"),
	SVA_E(ESHUTDOWN, "Cannot send after transport endpoint shutdown"),
	SVA_E(ETOOMANYREFS, "Too many references: cannot splice"),
	SVA_E(ETIMEDOUT, "Connection timed out"),
	SVA_E(ECONNREFUSED, "Connection refused"),
	SVA_E(EHOSTDOWN, "Host is down"),
	SVA_E(EHOSTUNREACH, "No route to host"),
	SVA_E(EALREADY, "Operation already in progress"),
	SVA_E(EINPROGRESS, "Operation now in progress"),
	SVA_E(ESTALE, "Stale file handle"),
	SVA_E(EUCLEAN, "Structure needs cleaning"),
	SVA_E(ENOTNAM, "Not a XENIX named type file"),
	SVA_E(ENAVAIL, "No XENIX semaphores available"),
	SVA_E(EISNAM, "Is a named type file"),
	SVA_E(EREMOTEIO, "Remote I/O error"),
	SVA_E(EDQUOT, "Disk quota exceeded"),
	SVA_E(ENOMEDIUM, "No medium found"),
	SVA_E(EMEDIUMTYPE, "Wrong medium type"),
	SVA_E(ECANCELED, "Operation canceled"),
	SVA_E(ENOKEY, "Required key not available"),
	SVA_E(EKEYEXPIRED, "Key has expired"),
	SVA_E(EKEYREVOKED, "Key has been revoked"),
	SVA_E(EKEYREJECTED, "Key was rejected by service"),
	SVA_E(EOWNERDEAD, "Owner died"),
	SVA_E(ENOTRECOVERABLE, "State not recoverable"),
	SVA_E(ERFKILL, "Operation not possible due to RF-kill"),
	SVA_E(EHWPOISON, "Memory page has hardware error"),
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
