# Generates internal/pycompat/testdata/json_python.json: inputs and what Python 3.11's
# json.loads(bytes) says about them (used by TestJSONMatchesPython).
import json, random, base64, os
random.seed(7)
seeds = [
 '{"name":"Foo","price":50.5}', '[1,2,3]', '{"a":[1,{"b":null}],"c":"x\\ny"}', '"\\u00e9\\ud83d\\ude00"',
 '{"é":"ü","k":[true,false,null]}', '-12.5e+3', '0', '{"a":{"b":{"c":[]}}}', '  {"x" : 1 , "y" : [ ] }  ',
 '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"', '[1.0e5,-0,0.1]', '{}', '[]', 'true', 'null',
]
alphabet = list('{}[]:,"\\ \t\n0123456789.-+eEtrufalsn') + ['é', 'u', 'x', '\x01', 'Z']
cases = set()
hand = ['{some broken json}', '{"name": ', '{"a":1,}', '[1,]', '[1 2]', '{"a" 1}', '{"a":1 "b":2}', '1 2', '"abc', '"a\x01"', '"\\x"', '"\\u12"', '"\\u12zz"', '"\\ud800\\u12zz"', '"\\ud800\\u"', '  ', '-', '-a', '01', '1.', '1e', '1e+', '[', '{', '{"a"', '{"a":', 'nul', 'tru', '"\\', '[1,2', '{"a":1', '"\\u0041', '"\\u0041"', '[-]', '{"é":1,}', 'é', '[1,2]x', '"\\ud800"', '"\\ud800\\udc00"', '"\\udc00\\ud800"', '1e5', '-0.0e-0', '[1e]', '{"a":tru}', '{"a":nulll}', '{"a":1}}', '[[[]]]]', '"\t"', '[1,\n2,\n3', '{"a":"b\\q"}']
for h in hand: cases.add(h)
for s in seeds:
    cases.add(s)
    for _ in range(120):
        t = list(s)
        for _ in range(random.randint(1, 3)):
            op = random.random()
            pos = random.randint(0, len(t))
            if op < 0.4 and t:
                del t[min(pos, len(t)-1)]
            elif op < 0.8:
                t.insert(pos, random.choice(alphabet))
            else:
                t = t[:pos]
        cases.add(''.join(t))
out = []
for c in sorted(cases):
    b = c.encode('utf-8')
    try:
        json.loads(b)
        out.append({"in": c, "ok": True})
    except json.JSONDecodeError as e:
        if 'NaN' in c or 'Infinity' in c: continue
        out.append({"in": c, "msg": e.msg, "pos": e.pos})
    except Exception as e:
        out.append({"in": c, "other": type(e).__name__})
# bytes-level cases
for b in [b'\xef\xbb\xbf{"a":1}', b'\xef\xbb\xbf{"a":1', b'\xff', b'{"a":"\xff"}', '{"a":1}'.encode('utf-16'), '[1,2'.encode('utf-16-le'), '[1]'.encode('utf-32'), '"é"'.encode('utf-16-be')]:
    try:
        json.loads(b); out.append({"b64": base64.b64encode(b).decode(), "ok": True})
    except json.JSONDecodeError as e:
        out.append({"b64": base64.b64encode(b).decode(), "msg": e.msg, "pos": e.pos})
    except Exception as e:
        out.append({"b64": base64.b64encode(b).decode(), "other": type(e).__name__})
json.dump(out, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'json_python.json'), 'w'), ensure_ascii=False, indent=0)
print(len(out), sum(1 for o in out if o.get("ok")), sum(1 for o in out if "other" in o))
