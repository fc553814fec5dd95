/* Error codes: functions return 0 or a negative errno. Values are Linux x86-64's, so that
 * user space sees the POSIX numbers it expects. */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

#define EPERM      1
#define ENOENT     2
#define ESRCH      3
#define EINTR      4
#define EIO        5
#define E2BIG      7
#define ENOEXEC    8
#define EBADF      9
#define ECHILD     10
#define EAGAIN     11
#define ENOMEM     12
#define EACCES     13
#define EFAULT     14
#define EBUSY      16
#define EEXIST     17
#define ENODEV     19
#define ENOTDIR    20
#define EISDIR     21
#define EINVAL     22
#define EMFILE     24
#define ENOSPC     28
#define ERANGE     34
#define ENAMETOOLONG 36
#define ENOSYS     38
#define ETIMEDOUT  110
#define EHOSTDOWN  112

#endif
