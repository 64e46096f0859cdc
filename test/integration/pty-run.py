#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal, as a person at a terminal would, for the CLI's TTY tests.

  python3 pty-run.py --rows 30 --cols 100 [--input TEXT [--input-after MARKER]]
                     [--resize-after MARKER --resize ROWSxCOLS] [--timeout S] -- COMMAND...

Writes everything the terminal showed to stdout and exits with the command's exit code
(128 + N when a signal ended it). Resizing the terminal after MARKER makes the kernel send
SIGWINCH to the command, as a terminal emulator does when its window changes size.
Only the standard library: pty, termios, fcntl.
"""
import argparse
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=24)
    parser.add_argument("--cols", type=int, default=80)
    parser.add_argument("--input", default=None)
    parser.add_argument("--input-after", default=None)
    parser.add_argument("--resize-after", default=None)
    parser.add_argument("--resize", default=None)
    parser.add_argument("--timeout", type=float, default=40.0)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()

    pid, fd = pty.fork()
    if pid == 0:
        set_size(0, args.rows, args.cols)
        os.execvp(args.command[0], args.command)

    output = bytearray()
    input_sent = args.input is None
    resized = args.resize_after is None
    deadline = time.monotonic() + args.timeout
    while True:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the command exited and the terminal closed
                break
            if not data:
                break
            output += data
        if not input_sent and (args.input_after is None or args.input_after.encode() in output):
            os.write(fd, args.input.encode().decode("unicode_escape").encode("latin-1"))
            input_sent = True
        if not resized and args.resize_after.encode() in output:
            rows, cols = (int(n) for n in args.resize.split("x"))
            set_size(fd, rows, cols)
            resized = True
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            output += b"\n[pty-run: timed out]\n"
            break
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(bytes(output))
    sys.stdout.flush()
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
