"""Privilege attacks: become root, mount, use capabilities, or call privileged syscalls directly."""

from __future__ import annotations

from sandbox.attacks.kit import Attack, program, reported

ATTACKS = (
    Attack(
        "setuid-root",
        "privilege",
        "setuid/setgid to root fail",
        lambda b: program(
            """
gained = []
for name, call in (("setuid", lambda: os.setuid(0)), ("setresuid", lambda: os.setresuid(0, 0, 0)),
                   ("setgid", lambda: os.setgid(0))):
    try:
        call()
        gained.append(name)
    except OSError as e:
        last = f"{name}: {err(e)}"
report(bool(gained) or os.geteuid() == 0, f"{gained}, euid {os.geteuid()}" if gained else last)
"""
        ),
        reported,
    ),
    Attack(
        "setuid-binaries",
        "privilege",
        "set-user-ID programs grant nothing (no_new_privs, or their owner is unmapped)",
        lambda b: program(
            """
import stat, subprocess
nnp = open("/proc/self/status").read().split("NoNewPrivs:")[1].split()[0]
risky = []
for d in ("/usr/bin", "/usr/sbin", "/bin", "/sbin"):
    for name in (os.listdir(d) if os.path.isdir(d) else []):
        st = os.stat(os.path.join(d, name))
        if st.st_mode & stat.S_ISUID and st.st_uid == 0:
            risky.append(name)
euid = None
if os.path.exists("/usr/bin/su"):
    out = subprocess.run(["su", "-c", "id -u", "root"], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=3)
    euid = out.stdout.strip()
escaped = euid == "0" or (nnp != "1" and bool(risky))
report(escaped, f"NoNewPrivs={nnp}, root-owned setuid programs: {risky[:4]}, su gave uid {euid!r}")
"""
        ),
        reported,
    ),
    Attack(
        "mount",
        "privilege",
        "mount fails, also after trying to unshare a user namespace",
        lambda b: program(
            """
os.makedirs("/work/mnt", exist_ok=True)
rc = libc.mount(b"none", b"/work/mnt", b"tmpfs", 0, None)
first = errno.errorcode.get(ctypes.get_errno())
userns = libc.unshare(0x10000000 | 0x00020000)  # CLONE_NEWUSER | CLONE_NEWNS
second = errno.errorcode.get(ctypes.get_errno())
rc2 = libc.mount(b"none", b"/work/mnt", b"tmpfs", 0, None) if userns == 0 else -1
unshared = "ok" if userns == 0 else second
report(rc == 0 or rc2 == 0, f"mount: {first}; unshare(user|mount): {unshared}")
"""
        ),
        reported,
    ),
    Attack(
        "capabilities",
        "privilege",
        "no effective, permitted or bounding capabilities",
        lambda b: program(
            """
status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines()
              if line.startswith("Cap"))
held = {k: v.strip() for k, v in status.items() if k in ("CapEff", "CapPrm", "CapBnd")}
report(any(int(v, 16) for v in held.values()), " ".join(f"{k}={v}" for k, v in held.items()))
"""
        ),
        reported,
    ),
    Attack(
        "ctypes-syscalls",
        "privilege",
        "privileged syscalls (reboot, kexec, modules, swap, accounting, hostname) get EPERM",
        lambda b: program(
            """
# Syscall numbers (x86_64, aarch64) for calls that check the capability before their arguments,
# so EPERM means refused and anything else means the capability was held (and bad args did no harm).
NR = {"x86_64": (169, 246, 175), "aarch64": (142, 104, 105)}[os.uname().machine]
calls = {
    "reboot": lambda: libc.syscall(NR[0], 0, 0, 0, None),
    "kexec_load": lambda: libc.syscall(NR[1], 0, 0, None, 0xFFFFFFFF),
    "init_module": lambda: libc.syscall(NR[2], None, 0, b""),
    "swapoff": lambda: libc.swapoff(b"/nonexistent"),
    "acct": lambda: libc.acct(b"/nonexistent"),
    "sethostname": lambda: libc.sethostname(b"x", 1000),
    "syslog": lambda: libc.klogctl(3, ctypes.create_string_buffer(64), 64),
}
allowed = []
for name, call in calls.items():
    ctypes.set_errno(0)
    if call() == 0 or ctypes.get_errno() not in (errno.EPERM, errno.ENOSYS, errno.EACCES):
        allowed.append(f"{name}={errno.errorcode.get(ctypes.get_errno(), 'ok')}")
report(bool(allowed), "passed the permission check: " + ", ".join(allowed) if allowed
       else f"all {len(calls)} refused with EPERM")
"""
        ),
        reported,
    ),
    Attack(
        "terminal-injection",
        "privilege",
        "no controlling terminal to push keystrokes into (TIOCSTI)",
        lambda b: program(
            """
import fcntl, termios
hits = []
for target in ("/dev/tty", 0, 1, 2):
    try:
        fd = os.open(target, os.O_RDWR) if isinstance(target, str) else target
        fcntl.ioctl(fd, termios.TIOCSTI, b"x")
        hits.append(str(target))
    except OSError as e:
        last = f"{target}: {err(e)}"
report(bool(hits), f"TIOCSTI worked on {hits}" if hits else last)
"""
        ),
        reported,
    ),
)
