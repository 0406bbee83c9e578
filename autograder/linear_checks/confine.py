"""Limits put on the process that runs a student's code, just before it imports it.

Runs inside the sandbox, in the process forked for one run (zygote.py), so nothing
here is a defence on its own: the sandbox's mount, pid, user, network and ipc
namespaces (sandbox.py) are the boundary, and the grader outside enforces every
deadline. These limits keep one run from harming the others that share its sandbox:
- resource limits: memory (RLIMIT_DATA), CPU seconds, file size, no core files;
- a seccomp filter (through libseccomp, when the system has it): no new processes
  and no threads (fork, vfork, clone, clone3: the run is one thread, so it uses at most
  one core, whatever it starts), no exec, no ptrace or access to other processes'
  memory, signals only to itself, no new namespaces, mounts, BPF or perf events, no
  io_uring;
- nothing that outlives the run or escapes its memory limit: no System V or POSIX IPC
  objects (shared memory, message queues, semaphores: a later run in the same sandbox
  could read them, and shared memory is not counted by RLIMIT_DATA), no memfd, no shared
  anonymous mappings (MAP_SHARED | MAP_ANONYMOUS), no new files, folders or links (open
  with O_CREAT, mkdir, link, rename, mknod: the run's files are written before it starts;
  a million files in /tmp would outlast the wipe's time limit).
What it does not do: bound CPU use within the time limits (one core at most), or memory
the kernel spends on the run's behalf beyond its own pages (page tables, socket buffers).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import resource

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_NE, SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ = 1, 4, 7
CLONE_THREAD = 0x00010000
O_CREAT, O_TMPFILE = 0o100, 0o20000000  # Linux's open() flags (O_TMPFILE includes O_DIRECTORY's bit)
MAP_SHARED, MAP_ANONYMOUS = 0x01, 0x20

# Refused outright (errno EPERM), whatever their arguments.
REFUSED = ("fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
           "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "tkill", "unshare", "setns", "mount",
           "umount2", "pivot_root", "chroot", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
           "keyctl", "add_key", "request_key", "kcmp", "process_madvise", "move_pages", "migrate_pages",
           "open_by_handle_at", "name_to_handle_at", "mount_setattr", "fsopen", "fsmount", "open_tree",
           "move_mount",
           # processes and threads: the run is one thread (clone3 gets ENOSYS below, so glibc tries clone)
           "clone",
           # IPC objects and memory outside RLIMIT_DATA
           "ipc", "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
           "semtimedop", "semctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
           "mq_getsetattr", "memfd_create", "memfd_secret",
           # new names in the file system
           "creat", "mkdir", "mkdirat", "mknod", "mknodat", "link", "linkat", "symlink", "symlinkat", "rename",
           "renameat", "renameat2", "openat2")


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def _errno(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


def set_limits(memory_mb: int, cpu_seconds: int, file_mb: int) -> None:
    if memory_mb:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_mb * 2**20,) * 2)
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    if file_mb:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * 2**20,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def seccomp_available() -> bool:
    return _library() is not None


def _library():
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None


def apply_seccomp() -> bool:
    """Load the filter into this process (inherited by its threads); False without libseccomp."""
    lib = _library()
    if lib is None:
        return False
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        raise OSError("seccomp_init failed")

    def rule(name: str, action: int, *cmps: tuple[int, int, int, int]) -> None:
        nr = lib.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:  # not a system call on this architecture
            return
        array = (_ArgCmp * max(1, len(cmps)))(*[_ArgCmp(*c) for c in cmps])
        rc = lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), array)
        if rc < 0:
            raise OSError(-rc, f"seccomp rule for {name} failed")

    try:
        me = os.getpid()
        for name in REFUSED:
            rule(name, _errno(errno.EPERM))
        rule("clone3", _errno(errno.ENOSYS))  # glibc then falls back to clone, which is refused
        for flag in (O_CREAT, O_TMPFILE):
            rule("open", _errno(errno.EPERM), (1, SCMP_CMP_MASKED_EQ, flag, flag))
            rule("openat", _errno(errno.EPERM), (2, SCMP_CMP_MASKED_EQ, flag, flag))
        shared = MAP_SHARED | MAP_ANONYMOUS
        rule("mmap", _errno(errno.EPERM), (3, SCMP_CMP_MASKED_EQ, shared, shared))
        rule("kill", _errno(errno.EPERM), (0, SCMP_CMP_NE, me, 0))
        rule("tgkill", _errno(errno.EPERM), (0, SCMP_CMP_NE, me, 0))
        rule("rt_sigqueueinfo", _errno(errno.EPERM), (0, SCMP_CMP_NE, me, 0))
        rule("rt_tgsigqueueinfo", _errno(errno.EPERM), (0, SCMP_CMP_NE, me, 0))
        rule("prlimit64", _errno(errno.EPERM), (0, SCMP_CMP_NE, 0, 0))  # only its own limits (pid 0)
        rc = lib.seccomp_load(ctx)
        if rc < 0:
            raise OSError(-rc, "seccomp_load failed")
    finally:
        lib.seccomp_release(ctx)
    return True
