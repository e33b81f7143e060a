// Writes tinysdf.json: tiny-sdf's own signed distance fields for a few coverage bitmaps, so the Go
// port (fonts/sdf) can be compared with it. tiny-sdf draws text on a canvas; here the canvas is a
// stub whose getImageData returns the given coverage, so only tiny-sdf's distance code runs.
//
//   tmp=$(mktemp -d) && (cd $tmp && npm pack @mapbox/tiny-sdf@2.1.0 && tar xzf mapbox-tiny-sdf-2.1.0.tgz)
//   node fonts/sdf/testdata/tinysdf.mjs $tmp/package/index.js > fonts/sdf/testdata/tinysdf.json
import {pathToFileURL} from 'node:url';
import {resolve} from 'node:path';

const {default: TinySDF} = await import(pathToFileURL(resolve(process.argv[2])).href);

let current; // {w, h, coverage}
class StubSDF extends TinySDF {
    _createCanvas() {
        const ctx = {
            measureText: () => ({width: current.w, actualBoundingBoxAscent: current.h, actualBoundingBoxDescent: 0,
                actualBoundingBoxLeft: 0, actualBoundingBoxRight: current.w}),
            clearRect() {}, fillText() {},
            getImageData: (x, y, w, h) => {
                const data = new Uint8ClampedArray(4 * w * h);
                for (let i = 0; i < w * h; i++) data[4 * i + 3] = current.coverage[i];
                return {data};
            }
        };
        return {getContext: () => ctx};
    }
}

let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

const cases = [];
// A filled square with a 2 px empty margin, a disc with anti-aliased edges, and random coverage.
const square = {name: 'square', w: 14, h: 14, coverage: []};
for (let y = 0; y < 14; y++) for (let x = 0; x < 14; x++) square.coverage.push(x >= 2 && x < 12 && y >= 2 && y < 12 ? 255 : 0);
cases.push(square);
const disc = {name: 'disc', w: 17, h: 17, coverage: []};
for (let y = 0; y < 17; y++) for (let x = 0; x < 17; x++) {
    const r = Math.hypot(x + 0.5 - 8.5, y + 0.5 - 8.5);
    disc.coverage.push(Math.round(255 * Math.max(0, Math.min(1, 7 - r + 0.5))));
}
cases.push(disc);
for (let k = 0; k < 6; k++) {
    const w = 1 + Math.floor(rand() * 24), h = 1 + Math.floor(rand() * 24);
    const c = {name: `random${k}`, w, h, coverage: []};
    for (let i = 0; i < w * h; i++) {
        const u = rand();
        c.coverage.push(u < 0.4 ? 0 : u < 0.7 ? 255 : Math.floor(rand() * 256));
    }
    cases.push(c);
}
const sdf = new StubSDF({fontSize: 24, buffer: 3, radius: 8, cutoff: 0.25});
for (const c of cases) {
    current = c;
    const g = sdf.draw('x');
    c.sdf = Array.from(g.data);
}
process.stdout.write(JSON.stringify({tinysdf: '2.1.0', cases}) + '\n');
