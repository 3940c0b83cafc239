/**
 * What a sweep process does when it is told to stop (SIGTERM from `kill` or `scancel`, SIGINT
 * from Ctrl-C): it runs the stop steps registered with {@linkcode onStop}, newest first (a
 * `--jobs` parent forwards the signal to its shards and waits for them; then the folder lock is
 * removed), and exits as the signal would have (143, 130). The run in progress is lost; every
 * finished run is already in `results.jsonl`.
 *
 * @example
 * ```ts
 * import { onStop } from "./stop_signals.ts";
 * const forget = onStop(() => {});
 * forget();
 * ```
 *
 * @module
 */

/** The signals a sweep stops on, and the exit code of each. */
export const STOP_SIGNALS = [["SIGTERM", 143], ["SIGINT", 130]] as const;

/** A stop signal's name. */
export type StopSignal = typeof STOP_SIGNALS[number][0];

/** A stop step: given the signal, it stops something (may be async). */
export type StopStep = (signal: StopSignal) => void | Promise<void>;

/** How long the stop steps may take together before the process exits anyway. */
export const STOP_GRACE_MS = 10_000;

const steps: StopStep[] = [];
let installed: (readonly [StopSignal, () => void])[] | null = null;
let stopping = false;

async function stop(signal: StopSignal, code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const all = (async () => {
    for (const step of [...steps].reverse()) {
      try {
        await step(signal);
      } catch { /* stopping anyway */ }
    }
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((resolve) => timer = setTimeout(resolve, STOP_GRACE_MS));
  await Promise.race([all, grace]);
  clearTimeout(timer);
  Deno.exit(code);
}

function install(): void {
  installed = STOP_SIGNALS.map(([signal, code]) => {
    const handler = () => void stop(signal, code);
    try {
      Deno.addSignalListener(signal, handler);
    } catch { /* signals not supported here (Windows): stop steps do not run */ }
    return [signal, handler] as const;
  });
}

function uninstall(): void {
  for (const [signal, handler] of installed ?? []) {
    try {
      Deno.removeSignalListener(signal, handler);
    } catch { /* never added */ }
  }
  installed = null;
}

/**
 * Registers `step` to run when the process is told to stop (steps run newest first, then the
 * process exits); returns a function that unregisters it. While no step is registered, the
 * signals keep their default effect.
 *
 * @example
 * ```ts
 * import { onStop } from "./stop_signals.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const seen: string[] = [];
 * const forget = onStop((signal) => void seen.push(signal));
 * forget();
 * assertEquals(seen, []);
 * ```
 */
export function onStop(step: StopStep): () => void {
  steps.push(step);
  if (installed === null) install();
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
    if (steps.length === 0 && !stopping) uninstall();
  };
}
