"""The first process of every script run: sets its data-segment limit, then runs it.

The executor passes this file's source to `python -I -S -c` (so it runs wherever the package lives,
even where bubblewrap hides that folder), then a JSON spec and the script's command line. It uses
only the standard library. The spec's "mode" says what happens next:

  exec     it becomes the script (under bubblewrap, whose own first process kills what is left).
  reap     it runs the script as its child while being a child subreaper: every process the script
           orphans (a daemon, a double fork, a setsid child) becomes its child, so when the script
           exits it can kill them all; then it exits as the script did.
  unshare  the same, from new user, mount and PID namespaces: its child is PID 1 there, mounts a
           fresh /proc (other processes, the agent's included, are invisible), applies the spec's
           "mounts" in order, drops every capability and runs the script; when the script exits,
           PID 1 exits and the kernel kills everything left in the namespace.

The executor's SIGTERM reaches the script and this process alike: this process ignores it and ends
when the script does.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import sys
import time

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 32, 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME = 1 << 18, 1 << 21
# Flags a bind mount inherits that a read-only remount must repeat (the kernel refuses to clear them).
_KEPT_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 1, 24, 36, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
_CAPABILITY_VERSION_3 = 0x20080522

_libc = None


def main(argv: list[str]) -> None:
    spec = json.loads(argv[0])
    command = argv[1:]
    limit = spec["data_limit"]
    hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    if spec["mode"] == "exec":
        os.execv(command[0], command)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if spec["mode"] == "reap":
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        status = _wait_for(_spawn(command))
        _kill_descendants()
    else:
        status = _run_unshared(spec["mounts"], command)
    _exit_like(status)


def _spawn(command: list[str]) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.execv(command[0], command)
        except OSError as exc:
            sys.stderr.write(f"sandbox: could not start {command[0]}: {exc}\n")
        os._exit(127)
    return pid


def _wait_for(pid: int) -> int:
    """Reaps every child (orphans come to us) until `pid` ends; returns its wait status."""
    while True:
        done, status = os.waitpid(-1, 0)
        if done == pid:
            return status


def _kill_descendants() -> None:
    me = os.getpid()
    while True:
        alive = _descendants(me)
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.005)
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if fields[0] not in (b"Z", b"X"):
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            found.append(child)
            stack.append(child)
    return found


def _run_unshared(mounts: list[list[str]], command: list[str]) -> int:
    uid, gid = os.getuid(), os.getgid()
    _call("unshare", CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID)
    for name, value in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(value)
    status_read, status_write = os.pipe()
    init = os.fork()
    if init == 0:
        os.close(status_read)
        try:
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            _confine(mounts)
        except OSError as exc:
            sys.stderr.write(f"sandbox: could not confine the script: {exc}\n")
            os._exit(126)
        os.write(status_write, str(_wait_for(_spawn(command))).encode())
        os._exit(0)
    os.close(status_write)
    init_status = _wait_for(init)
    relayed = os.read(status_read, 32)
    return int(relayed) if relayed else init_status


def _confine(mounts: list[list[str]]) -> None:
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    # Opened before anything is mounted over them (a kept folder inside the emptied home).
    sources = {op[1]: os.open(op[1], os.O_PATH) for op in mounts if op[0] != "tmpfs"}
    for kind, *paths in mounts:
        target = paths[-1]
        if kind == "tmpfs":
            if os.path.isdir(target):  # a folder nobody can see needs no hiding
                _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
            continue
        source = sources[paths[0]]
        if not os.path.exists(target):
            if not stat.S_ISDIR(os.fstat(source).st_mode):  # the path may be covered by now: ask the fd
                continue
            os.makedirs(target)
        _mount(f"/proc/self/fd/{source}", target, None, MS_BIND | MS_REC)
        if kind == "ro-bind":
            kept = os.statvfs(target).f_flag & _KEPT_FLAGS
            _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | kept)
    for fd in sources.values():
        os.close(fd)
    # Without capabilities the script cannot unmount what hides the private folders.
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    for cap in range(last + 1):
        _prctl(PR_CAPBSET_DROP, cap)
    import ctypes
    header = (ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0)
    if _lib().capset(header, (ctypes.c_uint32 * 6)()) != 0:
        _raise("capset")


def _exit_like(status: int) -> None:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        sig = -code
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the script already dumped core if it could
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        code = 128 + sig
    os._exit(code)


def _lib():
    global _libc
    if _libc is None:
        import ctypes
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
        _libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        _libc.unshare.argtypes = [ctypes.c_int]
    return _libc


def _raise(what: str) -> None:
    import ctypes
    err = ctypes.get_errno()
    raise OSError(err, f"{what}: {os.strerror(err)}")


def _call(name: str, *args) -> None:
    if getattr(_lib(), name)(*args) != 0:
        _raise(f"{name}{args}")


def _prctl(option: int, value: int) -> None:
    _call("prctl", option, value, 0, 0, 0)


def _mount(source, target, fstype, flags: int, data=None) -> None:
    encode = (lambda s: None if s is None else s.encode())
    if _lib().mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        _raise(f"mount {source or ''} on {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
