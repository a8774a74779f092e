"""Run a command as a child of this small process; write "<seconds> <peak KB>" of that child to a file.

    python -S bench/spawn.py RESULT_FILE COMMAND...

Linux starts a child's peak-memory figure (ru_maxrss) at its parent's resident size when
it forks, so a command forked straight from the benchmark (hundreds of MB once it has
loaded SciFact) would report at least that much. Forked from this ~10 MB process instead,
the figure is the command's own. Standard library only, so that it starts in milliseconds.
"""

import os
import sys
import time


def main(result_file: str, *command: str) -> int:
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    with open(result_file, "w") as handle:
        handle.write(f"{time.perf_counter() - started} {usage.ru_maxrss}")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
