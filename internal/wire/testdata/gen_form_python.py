# Generates internal/wire/testdata/form_python.json: form bodies and what
# Starlette 1.3.1's form parsers (with python-multipart 0.0.32) read from them,
# as FastAPI 0.141.1 answers them: the fields, or the 400 detail. Used by
# TestFormMatchesStarlette. Run with the sources of both packages on PYTHONPATH
# (python-multipart's and starlette's top-level package directories); Starlette's
# anyio import may be satisfied by a stub module, the parsers do not use it.
#
#   PYTHONPATH=/path/to/sources python3 gen_form_python.py > form_python.json
import asyncio, base64, json, logging, random

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from python_multipart.multipart import parse_options_header

BODY_PARSE = "There was an error parsing the body"


def starlette_form(ct, body):
    async def stream():
        yield body
        yield b""

    headers = Headers({"content-type": ct})
    ctype, _ = parse_options_header(headers.get("Content-Type"))
    try:
        if ctype == b"multipart/form-data":
            fd = asyncio.run(MultiPartParser(headers, stream()).parse())
        elif ctype == b"application/x-www-form-urlencoded":
            fd = asyncio.run(FormParser(headers, stream()).parse())
        else:
            return {"fields": []}
    except MultiPartException as e:
        return {"error": e.message}
    except Exception:
        return {"error": BODY_PARSE}
    fields = []
    for k, v in fd.multi_items():
        if isinstance(v, UploadFile):
            v.file.seek(0)
            fields.append({"name": k, "filename": v.filename, "content_type": v.content_type or "",
                           "data": base64.b64encode(v.file.read()).decode()})
        else:
            fields.append({"name": k, "value": v})
    return {"fields": fields}


logging.disable(logging.CRITICAL)
random.seed(9)
cases = []


def add(ct, body):
    cases.append((ct, body))


def part(b, name, value, filename=None, extra=b""):
    cd = b'Content-Disposition: form-data; name="' + name + b'"'
    if filename is not None:
        cd += b'; filename="' + filename + b'"'
    return b"--" + b + b"\r\n" + cd + b"\r\n" + extra + b"\r\n" + value + b"\r\n"


M = "multipart/form-data; boundary="
boundaries = [b"abc", b"", b"----WebKitFormBoundary7MA4YWxkTrZu0gW", b"a;b", b"x y", b"-", b"\xc3\xa9"]
for bnd in boundaries:
    ct = M + ('"' + bnd.decode("latin-1") + '"' if any(c in bnd for c in b"; ") else bnd.decode("latin-1"))
    good = part(bnd, b"a", b"1") + part(bnd, b"b", b"two\r\nlines") + part(bnd, b"f", b"DATA\r\n--x", b"f.txt", b"Content-Type: text/plain\r\n") + b"--" + bnd + b"--\r\n"
    add(ct, good)
    for cut in range(0, len(good) + 1, max(1, len(good) // 25)):
        add(ct, good[:cut])
    for _ in range(60):
        t = bytearray(good)
        for _ in range(random.randint(1, 3)):
            op = random.random()
            pos = random.randint(0, len(t))
            if op < 0.35 and t:
                del t[min(pos, len(t) - 1)]
            elif op < 0.8:
                t[pos:pos] = random.choice([b"\r", b"\n", b"\r\n", b"-", b"--", b"--" + bnd, b"\r\n--" + bnd, b":", b'"', b";", b" ", b"\xff", b"=", b"x"])
            else:
                t = t[:pos]
        add(ct, bytes(t))

hand = [
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\n1'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--abc'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--abc\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--abc--'),
    (M + "abc", b'\r\n\r\nignored--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'preamble\r\n--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc--\r\n'), (M + "abc", b'--abc\r\n'), (M + "abc", b''), (M + "abc", b'--abc-x'),
    ("multipart/form-data", b'--abc--\r\n'), ("multipart/form-data", b''),
    ("Multipart/Form-Data; boundary=abc", b'--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--abc--\r\n'),
    ("MULTIPART/FORM-DATA", b'--abc--'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nX: y\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name=a; name=b\r\nContent-Disposition: form-data; name=c\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name="a\\"b"; filename="C:\\\\x\\\\y.txt"\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name*=utf-8\'\'x; name="\xc3\xa9"\r\n\r\n\xff\xfe\r\n--abc--\r\n'),
    (M + "abc; charset=latin-1", b'--abc\r\nContent-Disposition: form-data; name="\xe9"\r\n\r\n\xe9\r\n--abc--\r\n'),
    (M + "abc; charset=nope", b'--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xc3\xa9\r\n--abc--\r\n'),
    (M + "abc; charset=UTF8", b'--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xc3\xa9\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\n' + b''.join(b'H%d: v\r\n' % i for i in range(8)) + b'Content-Disposition: form-data; name="a"\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\n' + b''.join(b'H%d: v\r\n' % i for i in range(7)) + b'Content-Disposition: form-data; name="a"\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name="a"; x="' + b'y' * 4200 + b'"\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name="a"; x="' + b'y' * 4100 + b'"\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition:    form-data; name=a\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition:\tform-data; name=a\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\n: x\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nBad Header: x\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\n\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name=a\r\n\r\n' + b'x' * (1 << 20) + b'\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name=a\r\n\r\n' + b'x' * ((1 << 20) + 1) + b'\r\n--abc--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name=a\r\n\r\n' + b'x' * ((1 << 20) + 1)),
    (M + "abc", b''.join(b'--abc\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n' for _ in range(1000)) + b'--abc--\r\n'),
    (M + "abc", b''.join(b'--abc\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n' for _ in range(1001)) + b'--abc--\r\n'),
    (M + "abc", b''.join(b'--abc\r\nContent-Disposition: form-data; name=a; filename=f\r\n\r\n1\r\n' for _ in range(1001)) + b'--abc--\r\n'),
    (M + "a" * 256, b'--' + b'a' * 256 + b'--\r\n'), (M + "a" * 257, b'--' + b'a' * 257 + b'--\r\n'),
    (M + "abc", b'--abc\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--abcX\r\n--abc\r\r\n--abc-\r\n--abc--\r\n'),
]
for ct, body in hand:
    add(ct, body)

U = "application/x-www-form-urlencoded"
for body in [b"", b"a=1", b"&&a=1&&b&=&c=%zz+%41;&a=2", b"a=%E2%82&b=%C3%A9%ff", b"%61=1&a%3Db=2&+=+",
             b"&".join(b"f%d=v" % i for i in range(1000)), b"&".join(b"f%d=v" % i for i in range(1001)),
             b"a=" + b"x" * (1 << 20), b"ab=" + b"x" * ((1 << 20) - 1), b"a=" + b"x" * ((1 << 20) - 1),
             b"&".join(b"f%d=v" % i for i in range(1000)) + b"&big=" + b"x" * (1 << 20),
             b"=x" + b"x" * (1 << 20), b"x" * ((1 << 20) + 1)]:
    add(U, body)
alphabet = [b"a", b"b", b"=", b"&", b"%", b"%4", b"%41", b"%zz", b"+", b";", b"%00", b"%e9", b"%C3%A9", b" ", b"\t"]
for _ in range(300):
    add(U, b"".join(random.choice(alphabet) for _ in range(random.randint(0, 12))))
for ct in ["application/x-www-form-urlencoded; charset=utf-8", "Application/X-WWW-Form-Urlencoded", "Application/X-WWW-Form-Urlencoded; charset=utf-8",
           " application/x-www-form-urlencoded ", "application/x-www-form-urlencoded ;x", "text/plain", "application/json", ""]:
    add(ct, b"a=1")

out = []
seen = set()
for ct, body in cases:
    if (ct, body) in seen or len(body) > 8192:  # the limits are tested with bodies built in Go
        continue
    seen.add((ct, body))
    r = starlette_form(ct, body)
    r["content_type"] = ct
    r["body"] = base64.b64encode(body).decode()
    out.append(r)
print(json.dumps(out, indent=0, ensure_ascii=False))
