#!/usr/bin/env python3
# Drives a command on a real pty, as a user at a terminal would: pty-drive.py SCRIPT CMD ARG...
# SCRIPT is ';'-separated steps: "expect:TEXT" (wait up to 30 s for TEXT in the output), "send:TEXT" (\r, \x10 and
# \x11 escapes), "exit:CODE" (the command must exit with CODE within 30 s). Prints the transcript; exits 0 when every
# step held, 1 otherwise.
import os, pty, select, sys, time

steps = sys.argv[1].split(';')
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
out = b''

def fail(why):
    sys.stdout.write('FAILED: ' + why + '\n--- transcript:\n' + out.decode('utf-8', 'replace') + '\n')
    sys.exit(1)

def read_some(deadline):
    global out
    r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        out += data
    return True

for step in steps:
    kind, _, arg = step.partition(':')
    deadline = time.time() + 30
    if kind == 'expect':
        token = arg.encode()
        while token not in out:
            if time.time() > deadline:
                fail('no ' + repr(arg) + ' within 30 s')
            if not read_some(deadline):
                fail('output ended before ' + repr(arg))
    elif kind == 'send':
        os.write(fd, arg.encode().decode('unicode_escape').encode('latin-1'))
    elif kind == 'exit':
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.time() > deadline:
                fail('still running after 30 s')
            read_some(min(deadline, time.time() + 0.1))
        code = os.waitstatus_to_exitcode(status)
        if code != int(arg):
            fail('exit code %d, not %s' % (code, arg))
    else:
        fail('unknown step ' + step)
sys.stdout.write(out.decode('utf-8', 'replace'))
