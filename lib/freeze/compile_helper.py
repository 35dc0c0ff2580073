"""The bytecode helper: oxpack freeze runs `python -I -S -c <this file>`, one
per core, and feeds it sources over stdin (lib/freeze/compiler.hpp):

  request  = u8 optimize | u32 path_len | u32 source_len | path | source
  response = u8 status (0 ok, 1 error) | u32 len | bytes

ok: a whole .pyc (unchecked hash-based, PEP 552); error: "file:line: SyntaxError:
message". Integers are little-endian. It exits when its stdin closes.
Kept compatible with every CPython from 3.8 on.
"""
import sys, marshal, warnings, _imp, importlib.util
warnings.simplefilter("ignore")
MAGIC = importlib.util.MAGIC_NUMBER
KEY = int.from_bytes(MAGIC, "little")
FLAGS = (1).to_bytes(4, "little")   # hash-based, unchecked (PEP 552)
inp, out = sys.stdin.buffer, sys.stdout.buffer
def readn(n):
    b = inp.read(n)
    if len(b) != n:
        raise EOFError
    return b
while True:
    try:
        head = readn(9)
    except EOFError:
        break
    opt = head[0]
    path = readn(int.from_bytes(head[1:5], "little")).decode("utf-8", "surrogateescape")
    src = readn(int.from_bytes(head[5:9], "little"))
    try:
        code = compile(src, path, "exec", dont_inherit=True, optimize=opt)
        body = MAGIC + FLAGS + _imp.source_hash(KEY, src) + marshal.dumps(code)
        status = 0
    except SyntaxError as e:
        body = ("%s:%s: %s: %s" % (path, e.lineno, type(e).__name__, e.msg)).encode("utf-8", "replace")
        status = 1
    except Exception as e:
        body = ("%s: %s: %s" % (path, type(e).__name__, e)).encode("utf-8", "replace")
        status = 1
    out.write(bytes([status]) + len(body).to_bytes(4, "little") + body)
    out.flush()
