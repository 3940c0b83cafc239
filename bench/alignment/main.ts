/**
 * Alignment-exponent bench: train the quick-preset nGPT model (width 64, depth 2, head size 32,
 * seq 64, batch 16, vocabulary 256) on the Brown corpus (or `--data FILE`) under nGPT and νGPT
 * at one base learning rate, and measure α, ω, ν (nugpt-spec section 8) of every hidden matrix
 * every `--every` steps on fixed held-out probe windows.
 *
 * Writes `OUT/alignment.jsonl` (one line per parameterization and measurement step),
 * `OUT/alignment.md` (the summary tables), and `OUT/alpha.svg`, `omega.svg`, `nu.svg`,
 * `loss.svg`.
 *
 * ```sh
 * deno run -A bench/alignment/main.ts                      # 300 steps, lr 2^-6, out/alignment
 * deno run -A bench/alignment/main.ts --steps 100 --every 10 --width 128 --out out/al128
 * ```
 *
 * @example
 * ```ts ignore
 * import { runAlignmentBench } from "./main.ts";
 * await runAlignmentBench(["--steps", "20", "--every", "10", "--out", "out/al-smoke"]);
 * ```
 *
 * @module
 */
import { renderSvg } from "../transfer/analyse/plot.ts";
import { loadBrownCorpus } from "../transfer/run/corpus.ts";
import { loadTextFile, validationWindows } from "../transfer/run/data.ts";
import { type AlignmentArgs, PARAMETERIZATIONS, parseAlignmentArgs } from "./args.ts";
import {
  type AlignmentRecord,
  type AlignmentRun,
  type AlignmentRunOptions,
  measureAlignment,
} from "./measure.ts";
import { alignmentMarkdown, EXPONENTS, exponentSpec, lossSpec } from "./report.ts";

const HELP = `deno run -A bench/alignment/main.ts [options]

Trains the nGPT model under each parameterization and measures the alignment exponents
alpha, omega, nu of every hidden matrix (q, k, v, o, up, gate, down of each block).

  --steps N        training steps (default 300)
  --every K        measure every K steps (default 25)
  --lr X           peak base learning rate, e.g. 2^-6 or 0.01 (default 2^-6; cosine to 10 %)
  --width D        model width (default 64); --base-width D0 base of the dims (default 32)
  --depth L        blocks (default 2); --head-size k (default 32)
  --seq T          context (default 64); --batch B (default 16)
  --probe N        held-out windows the exponents are measured on (default 8)
  --params a,b     parameterizations (default ngpt,nugpt; also nugptPaper, mup)
  --data FILE      train on a UTF-8 text file (last 5 % held out) instead of the Brown corpus
  --seed S         init and batch seed (default 0)
  --jobs J         parameterizations trained at once, one worker each (default 1)
  --no-jit         run each training step op by op instead of compiled by nu.jit
  --out DIR        output folder (default out/alignment)
`;

async function runOne(param: string, options: AlignmentRunOptions, worker: boolean) {
  if (!worker) return await measureAlignment(PARAMETERIZATIONS[param](), options);
  const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  try {
    return await new Promise<AlignmentRun>((resolve, reject) => {
      w.onmessage = (e: MessageEvent<{ run?: AlignmentRun; error?: string }>) =>
        e.data.run ? resolve(e.data.run) : reject(new Error(`${param}: ${e.data.error}`));
      w.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`${param}: worker failed: ${e.message}`));
      };
      w.postMessage({ param, options });
    });
  } finally {
    w.terminate();
  }
}

async function runAll(args: AlignmentArgs, options: AlignmentRunOptions) {
  const runs = new Map<string, AlignmentRun>();
  const queue = [...args.params];
  const jobs = Math.min(args.jobs, queue.length);
  const next = async () => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      const run = await runOne(p, options, jobs > 1);
      runs.set(p, run);
      console.log(
        `${p}: ${run.wallSeconds.toFixed(1)} s, probe loss ` +
          `${run.initialProbeLoss.toFixed(3)} -> ${run.records.at(-1)!.probeLoss.toFixed(3)}`,
      );
    }
  };
  await Promise.all(Array.from({ length: jobs }, next));
  return args.params.map((p) => [p, runs.get(p)!] as const);
}

/**
 * Run the bench with command-line arguments; returns the records written.
 *
 * @example
 * ```ts
 * import { runAlignmentBench } from "./main.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const out = await Deno.makeTempDir();
 * const records = await runAlignmentBench(["--width", "64", "--depth", "1", "--seq", "8", "--batch", "2", "--probe", "2", "--steps", "2", "--every", "1", "--out", out]);
 * assertEquals(records.length, 4); // two parameterizations, two steps
 * ```
 */
export async function runAlignmentBench(argv: string[]): Promise<AlignmentRecord[]> {
  const args = parseAlignmentArgs(argv);
  if (args.help) {
    console.log(HELP);
    return [];
  }
  const started = performance.now();
  const data = args.data
    ? await loadTextFile(args.data, { seq: args.seq })
    : await loadBrownCorpus();
  const options: AlignmentRunOptions = {
    width: args.width,
    depth: args.depth,
    headSize: args.headSize,
    seq: args.seq,
    batch: args.batch,
    steps: args.steps,
    every: args.every,
    lr: args.lr,
    baseWidth: args.baseWidth,
    seed: args.seed,
    train: data.train,
    probe: validationWindows(data.val, { seq: args.seq, count: args.probe }),
    jit: args.jit,
  };
  const runs = await runAll(args, options);
  const records = runs.flatMap(([, run]) => run.records);
  await Deno.mkdir(args.out, { recursive: true });
  await Deno.writeTextFile(
    `${args.out}/alignment.jsonl`,
    records.map((r) => JSON.stringify(r)).join("\n") + "\n",
  );
  const wall = (performance.now() - started) / 1000;
  const command = `deno run -A bench/alignment/main.ts ${argv.join(" ")}`.trim();
  const notes = [
    `Data: ${data.name}; width ${args.width} (base ${args.baseWidth}), depth ${args.depth}, ` +
    `head size ${args.headSize}, seq ${args.seq}, batch ${args.batch}, ${args.steps} steps, ` +
    `peak lr ${args.lr} (cosine to 10 %), probe: ${args.probe} held-out windows, seed ${args.seed}.`,
    "",
    ...runs.map(([p, r]) =>
      `- ${p}: probe loss ${r.initialProbeLoss.toFixed(3)} at init; ` +
      `training and measurement took ${r.wallSeconds.toFixed(1)} s`
    ),
    `- whole command: ${wall.toFixed(1)} s wall (${args.jobs > 1 ? "parallel workers" : "serial"})`,
  ];
  await Deno.writeTextFile(
    `${args.out}/alignment.md`,
    alignmentMarkdown(records, { command, notes }),
  );
  for (const e of EXPONENTS) {
    await Deno.writeTextFile(
      `${args.out}/${e.key}.svg`,
      await renderSvg(exponentSpec(records, e.key)),
    );
  }
  await Deno.writeTextFile(`${args.out}/loss.svg`, await renderSvg(lossSpec(records)));
  console.log(
    `wrote ${args.out}/alignment.{jsonl,md}, alpha/omega/nu/loss.svg in ${wall.toFixed(1)} s`,
  );
  return records;
}

if (import.meta.main) {
  try {
    await runAlignmentBench(Deno.args);
  } catch (e) {
    console.error(`alignment: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
