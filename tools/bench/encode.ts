// Encoder throughput: a realistic mix encoded and segmented on one core.
//   node -r ./tools/ts-run.cjs tools/bench/encode.ts [--json] [--seconds 3]
import { cpus, loadavg } from 'node:os';
import { encode, type EncodeOptions } from '@smsgw/gsm/util-encoding';

interface Kind {
  name: string;
  share: number;
  make: (random: () => number) => string;
}

const WORDS = ('your code is ready order shipped tomorrow meeting at pm delivery window reply STOP to ' +
  'opt out thanks appointment confirmed balance account verify login from new device call us').split(' ');
const EXTRA = ['€', '{', '}', '[', ']', '~', '|', '^', 'é', 'ñ', 'Ä', '@', '£', '$', '!', '?', '%', '&', '#', '5', '42', '2025'];
const EMOJI = ['😀', '👍', '🎉', '❤️', '🚀', '✅', '🙏', '😂'];
const CJK = 'スマホ認証コード你好世界привет';

function words(random: () => number, length: number, extra: number): string {
  let out = '';
  while (out.length < length) {
    out += out ? ' ' : '';
    out += random() < extra ? EXTRA[(random() * EXTRA.length) | 0] : WORDS[(random() * WORDS.length) | 0];
  }
  return out.slice(0, length);
}

const KINDS: Kind[] = [
  { name: 'short gsm7', share: 0.7, make: (r) => words(r, 20 + ((r() * 140) | 0), 0.05) },
  { name: 'long gsm7', share: 0.2, make: (r) => words(r, 161 + ((r() * 600) | 0), 0.08) },
  {
    name: 'ucs2 + emoji',
    share: 0.1,
    make: (r) => {
      let text = words(r, 10 + ((r() * 100) | 0), 0);
      for (let i = 0, n = 1 + ((r() * 4) | 0); i < n; i++) {
        const at = (r() * text.length) | 0;
        const insert = r() < 0.8 ? EMOJI[(r() * EMOJI.length) | 0] : CJK.slice(0, 3);
        text = text.slice(0, at) + insert + text.slice(at);
      }
      return text;
    },
  },
];

// Deterministic corpus (mulberry32) so runs compare.
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const secondsArg = args.indexOf('--seconds');
const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 3;

const random = mulberry32(42);
const CORPUS_SIZE = 10_000;
const corpus: { text: string; kind: number }[] = [];
for (let k = 0; k < KINDS.length; k++) {
  for (let i = 0; i < Math.round(CORPUS_SIZE * KINDS[k].share); i++) corpus.push({ text: KINDS[k].make(random), kind: k });
}
for (let i = corpus.length - 1; i > 0; i--) {
  const j = (random() * (i + 1)) | 0;
  [corpus[i], corpus[j]] = [corpus[j], corpus[i]];
}
// Flat strings, as they arrive from protobuf decoding (built ones are rope/sliced strings).
for (const c of corpus) c.text = Buffer.from(c.text, 'utf8').toString('utf8');
const texts = corpus.map((c) => c.text);
const options: EncodeOptions = { reference: 0x2a };

interface Run {
  messages: number;
  segments: number;
  /** Wall-clock time. */
  ms: number;
  /** CPU time of this process: on a shared machine, what one core actually spent. */
  cpuMs: number;
}

function run(list: string[], minMs: number): Run {
  let messages = 0;
  let segments = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let ms = 0;
  do {
    for (let i = 0; i < list.length; i++) segments += encode(list[i], options).segments.length;
    messages += list.length;
    ms = Number(process.hrtime.bigint() - start) / 1e6;
  } while (ms < minMs);
  const cpu = process.cpuUsage(cpuStart);
  return { messages, segments, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const perSec = (count: number, ms: number) => Math.round((count / ms) * 1000);

run(texts, 1000); // warm-up: JIT, lookup tables
const total = run(texts, seconds * 1000);
const perKind = KINDS.map((kind, k) => {
  const list = corpus.filter((c) => c.kind === k).map((c) => c.text);
  const r = run(list, Math.max(300, (seconds * 1000) / 5));
  return {
    kind: kind.name,
    share: kind.share,
    messagesPerSec: perSec(r.messages, r.cpuMs),
    wallMessagesPerSec: perSec(r.messages, r.ms),
    segmentsPerMessage: r.segments / r.messages,
  };
});
const result = {
  bench: 'encode',
  /** Messages per CPU-second of the one core the benchmark runs on. */
  messagesPerSec: perSec(total.messages, total.cpuMs),
  /** Messages per wall-clock second: lower when other processes share the core. */
  wallMessagesPerSec: perSec(total.messages, total.ms),
  segmentsPerSec: perSec(total.segments, total.cpuMs),
  messages: total.messages,
  seconds: Math.round(total.ms) / 1000,
  cpuSeconds: Math.round(total.cpuMs) / 1000,
  loadAverage: Number(loadavg()[0].toFixed(2)),
  cpus: cpus().length,
  node: process.version,
  kinds: perKind,
};

if (json) {
  console.log(JSON.stringify(result));
} else {
  const row = (cells: (string | number)[]) => console.log(cells.map((c, i) => String(c).padStart(i === 0 ? 0 : 14).padEnd(i === 0 ? 14 : 0)).join(' '));
  const n = (v: number) => v.toLocaleString('en');
  row(['mix', 'share', 'msg/cpu-s', 'msg/wall-s', 'segments/msg']);
  for (const k of perKind) row([k.kind, `${k.share * 100}%`, n(k.messagesPerSec), n(k.wallMessagesPerSec), k.segmentsPerMessage.toFixed(2)]);
  row(['all', '100%', n(result.messagesPerSec), n(result.wallMessagesPerSec), (total.segments / total.messages).toFixed(2)]);
  console.log(
    `\n${n(total.messages)} messages in ${result.seconds}s wall, ${result.cpuSeconds}s CPU, one thread (${process.version}, ` +
      `load average ${result.loadAverage} on ${result.cpus} CPUs); target ≥ 500,000 msg/s per core`,
  );
}
