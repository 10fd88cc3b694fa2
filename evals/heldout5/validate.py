"""Self-check of gold/heldout5.jsonl (written as heldout5): format, files, quotes, and the arithmetic behind each figure."""
import json, re, os, sys, html
from decimal import Decimal, ROUND_HALF_UP
R = '../shared/corpus/reports/'
PY = '.venv/bin/python'
def text(fn):
    p = R + fn
    if fn.endswith('.pdf'):
        import pypdfium2 as pdf
        d = pdf.PdfDocument(p); return '\n'.join(pg.get_textpage().get_text_range() for pg in d)
    t = open(p, encoding='utf-8').read()
    if fn.endswith('.html'):
        t = html.unescape(re.sub(r'<[^>]+>', '', t))
    return t
ok = True
def bad(*a):
    global ok; ok = False; print('FAIL', *a)
rows = [json.loads(l) for l in open(os.path.join(os.path.dirname(__file__), '..', 'gold', 'heldout5.jsonl'), encoding='utf-8')]
raw = open(os.path.join(os.path.dirname(__file__), '..', 'gold', 'heldout5.jsonl'), encoding='utf-8').read()
assert '\n\n' not in raw and raw.endswith('\n')
abbr = {'figure':'fig','sum':'sum','share':'shr','difference':'dif','ranking':'rnk','narrative':'nar','not_found':'nf','ambiguous':'amb'}
ids = set(); files = set(os.listdir(R))
for r in rows:
    i = r['id']
    if i in ids: bad('dup', i)
    ids.add(i)
    keys = ['id','question','history','kind','status','report','figures'] + (['quote_contains'] if r['kind']=='narrative' else []) + ['note']
    if list(r) != keys: bad(i, 'keys', list(r))
    k = r['kind']
    pre = 'fu' if r['history'] else abbr[k]
    if not re.fullmatch(r'h5-%s-\d\d' % pre, i): bad(i, 'id pattern')
    exp_status = {'not_found':'not_found','ambiguous':'ambiguous'}.get(k, 'answered')
    if r['status'] != exp_status: bad(i, 'status')
    rep = r['report']
    if k in ('not_found','ambiguous'):
        if rep is not None or r['figures']: bad(i, 'nf/amb must have null report, no figures')
    elif k in ('figure','share','narrative'):
        if not isinstance(rep, str) or rep not in files: bad(i, 'report str', rep)
    else:
        if not isinstance(rep, list) or not all(x in files for x in rep): bad(i, 'report list', rep)
    if k == 'narrative':
        q = r['quote_contains']
        if r['figures']: bad(i, 'narrative figures')
        if not (8 <= len(q) <= 30): bad(i, 'quote len', len(q))
        t = text(rep)
        lines = t.splitlines() if not rep.endswith('.html') else [re.sub(r'\s+', '', t)]
        if not any(q in ln for ln in lines): bad(i, 'quote not in one line', q)
    if k in ('figure','sum','share','difference','ranking') and not r['figures']: bad(i, 'no figures')
    if k == 'share' and not re.fullmatch(r'\d+\.\d\d%', r['figures'][0]): bad(i, 'share fmt')
# ---- arithmetic from my own reading (cell values transcribed by hand) ----
def pct(a, b): return str((Decimal(a) * 100 / Decimal(b)).quantize(Decimal('0.01'), ROUND_HALF_UP)) + '%'
def split7(s):  # run-together 7 cells where every cell is one digit except the first and last
    return s
expect = {
 'h5-sum-01': str(0+0+2+2+13+2+4+9),
 'h5-sum-02': str(0+19),
 'h5-sum-03': str(2+0+2),
 'h5-sum-04': str(1+0+0+0+0+1+1+0),
 'h5-sum-05': str(74+81+218),
 'h5-shr-01': pct(71+29, 218),
 'h5-shr-02': pct(111, 718),
 'h5-shr-03': pct(10, 27+10+9+15),
 'h5-shr-04': pct(4+6+0, 35),
 'h5-fu-01': pct(705, 713),
 'h5-dif-01': str(218-81),
 'h5-dif-02': str(2629-10690),
 'h5-dif-03': str(440-698),
 'h5-fu-02': str(22-21),
}
byid = {r['id']: r for r in rows}
for i, v in expect.items():
    if byid[i]['figures'][0] != v: bad(i, 'arith', byid[i]['figures'][0], v)
# table consistency checks for the reports used
# 沭阳 total column: results sum to 718, 713+36 = 718+31
sy = [294,101, 0,0,2,2,13,2,4,9, 111,2,0, 12,7,0,0,0, 9,7,143]
assert sum(sy) == 718 and 713+36 == 718+31
sy_biz = [1,0, 0,0,0,0,0,0,0,0, 0,0,0, 0,1,0,0,0, 0,0,1]; assert sum(sy_biz) == 3
sy_law = [3,2]; assert sum(sy_law) == 5
# 平潭 2022 / 2023 / 2024 total columns
assert 21+9+ (0+0+0+0+1+2+1+0) + (37+0+0) + 0 + (2+0+2) == 75 == 74+1
assert 22+20+ (0+0+0+1+0+1+1+2) + (31+0+0) + (0+1+0+0+0) + (1+0+1) == 81
assert 71+29+ (4+0+0+3+32+0+0+0) + (75+0+0) + (0+1+0+0+0) + (1+0+2) == 218
# 上海 total column by row order
assert 9+0+ (0+0+0+0+1+1+0+0) + (4+6+0) + 0 + (10+0+4) == 35 == 34+2-1
# 洪泽, 滨海, 管委会办公室 2019
assert 0+4+ (1+0+0+0+0+1+1+0) + (10+3+0) + (1+0+0+0+0) + 0 == 21
assert 12+2+1+40+3 == 58 == 56+2
assert 4+1+3+2+2 == 12
# 表四 groups
assert 13+2+4+0 == 19 and 27+10+9+15 == 61 and 3+0+0+1 == 4
# run-together digit strings used in notes
for s, cells in [('0200002',[0,2,0,0,0,0,2]), ('713000074',[71,3,0,0,0,0,74]), ('801000081',[80,1,0,0,0,0,81]),
                 ('370000037',[37,0,0,0,0,0,37]), ('310000031',[31,0,0,0,0,0,31]), ('220000022',[22,0,0,0,0,0,22]),
                 ('210000021',[21,0,0,0,0,0,21]), ('000003001410001',[0,0,0,0,0,3,0,0,1,4,1,0,0,0,1])]:
    assert ''.join(map(str, cells)) == s, s
    if len(cells) == 7: assert sum(cells[:6]) == cells[6], s
# keyfacts cross-check
kf = json.load(open('../shared/corpus/keyfacts.json', encoding='utf-8'))
assert kf['沭阳县人民政府_2025.md']['t4']['复议'] == [27,10,9,15,61]
assert kf['沭阳县人民政府_2025.md']['t3_新收_by_col'] == [705,3,0,0,5,0,713]
assert kf['平潭综合实验区_2024.html']['t4']['复议后起诉'] == [13,2,4,0,19]
assert kf['平潭综合实验区社会事业局_2023.txt']['t4']['直接起诉'] == [3,0,0,1,4]
assert kf['平潭综合实验区管委会办公室_2019.txt']['t3_total']['补正后申请内容仍不明确'] == 3
assert kf['平潭综合实验区管委会办公室_2019.txt']['t2_2019_cols']['行政许可'] == [0,1,1]
assert kf['平潭综合实验区交通与建设局_2020.txt']['t2_2019_cols']['行政事业性收费'] == [15,-15]
assert kf['平潭综合实验区交通与建设局_2020.txt']['t2']['规范性文件'] == [3,3,5]
assert kf['洪泽区人民政府_2023.pdf']['t3_total']['不掌握'] == 10
assert kf['平潭综合实验区行政审批局_2021.txt']['t2']['行政事业性收费_万元'] == 16220.85
assert kf['洪泽区人民政府_2023.pdf']['t2']['行政事业性收费_万元'] == 7730.28
assert kf['平潭综合实验区社会事业局_2023.txt']['t2']['行政许可'] == 1396 and kf['平潭综合实验区农业农村局_2024.txt']['t2']['行政许可'] == 1323
assert kf['平潭综合实验区_2022.txt']['t2']['行政规范性文件'][2] == 698 and kf['平潭综合实验区_2024.html']['t2']['行政规范性文件'][2] == 440
assert kf['平潭综合实验区_2022.txt']['t2']['行政许可'] == 10690 and kf['平潭综合实验区_2023.txt']['t2']['行政许可'] == 2629
assert [kf[f]['t3_total']['新收'] for f in ['平潭综合实验区行政审批局_2021.txt','平潭综合实验区市场监督管理局_2021.txt','平潭综合实验区经济发展局_2022.txt']] == [6,5,3]
assert [kf[f]['t3_total']['不掌握'] for f in ['平潭综合实验区_2022.txt','平潭综合实验区_2023.txt','平潭综合实验区_2024.html']] == [37,31,75]
# every printed figure (not computed) must appear in its report's text
for r in rows:
    if r['kind'] in ('figure','ranking'):
        reps = r['report'] if isinstance(r['report'], list) else [r['report']]
        allt = ''.join(text(x) for x in reps)
        for f in r['figures']:
            if f.lstrip('-') not in allt: bad(r['id'], 'figure not in text', f)
from collections import Counter
print(len(rows), 'items;', dict(Counter(r['kind'] for r in rows)), '; follow-ups', sum(1 for r in rows if r['history']))
print('OK' if ok else 'FAILED'); sys.exit(0 if ok else 1)
