/**
 * One writer per sweep folder: `OUT/.lock`, created with O_EXCL (`createNew`) and holding the
 * owner's pid, host, process start time and Slurm job. A second sweep (or `merge`) on the same
 * folder is refused with a message naming the owner. A lock is stale, and taken over, when its
 * owner is on this host and no longer alive (its pid is gone or now belongs to a process that
 * started at another time), or when it names a Slurm job that the scheduler no longer runs.
 *
 * @example
 * ```ts
 * import { assertRejects } from "../../../testing/assert.ts";
 * import { acquireLock } from "./lock.ts";
 * const dir = await Deno.makeTempDir();
 * const lock = await acquireLock(dir, "transfer");
 * await assertRejects(() => acquireLock(dir, "transfer"), "is being written by");
 * await lock.release();
 * await (await acquireLock(dir, "transfer")).release();
 * ```
 *
 * @module
 */
import { onStop } from "./stop_signals.ts";

/** The lock file's name inside a sweep folder. */
export const LOCK_FILE = ".lock";

/** What a lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Start time of the process in clock ticks since boot (Linux), or null elsewhere. */
  startTicks: number | null;
  /** `SLURM_JOB_ID` (array tasks: `ARRAYJOB_TASK`), or null outside Slurm. */
  slurmJob: string | null;
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** Which command took it. */
  command: string;
}

/** A held lock. */
export interface Lock {
  readonly path: string;
  /** Removes the lock file (only if it is still ours). */
  release(): Promise<void>;
}

/** How stale locks are recognized; tests replace the Slurm query. */
export interface LockOptions {
  /** Whether Slurm still runs job `id` (default: asks `squeue`; unknown → assume running). */
  slurmJobAlive?: (id: string) => Promise<boolean>;
}

/**
 * The start time (clock ticks since boot) of process `pid` on this host, or null when there is
 * no such process or the system has no `/proc`.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../../../testing/assert.ts";
 * import { processStartTicks } from "./lock.ts";
 * const own = processStartTicks(Deno.pid);
 * assertTrue(own === null || own > 0);
 * ```
 */
export function processStartTicks(pid: number): number | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : null;
}

/**
 * Whether process `pid` (started at `startTicks`, when known) is alive on this host. Without
 * `/proc`, a process is assumed alive.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { processAlive, processStartTicks } from "./lock.ts";
 * assertEquals(processAlive(Deno.pid, processStartTicks(Deno.pid)), true);
 * ```
 */
export function processAlive(pid: number, startTicks: number | null): boolean {
  let hasProc = true;
  try {
    Deno.statSync("/proc/self/stat");
  } catch {
    hasProc = false;
  }
  if (!hasProc) return true;
  const now = processStartTicks(pid);
  if (now === null) return false;
  return startTicks === null || now === startTicks;
}

function slurmJobOfThisProcess(): string | null {
  const array = Deno.env.get("SLURM_ARRAY_JOB_ID");
  const task = Deno.env.get("SLURM_ARRAY_TASK_ID");
  if (array && task) return `${array}_${task}`;
  return Deno.env.get("SLURM_JOB_ID") ?? null;
}

/**
 * Asks `squeue` whether Slurm job `id` is still pending or running. When `squeue` cannot answer
 * (not installed, controller down), the job is assumed alive, so the lock is kept.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { slurmJobAlive } from "./lock.ts";
 * // Without Slurm on this machine the answer is the cautious one.
 * const hasSqueue = await new Deno.Command("squeue", { args: ["--version"] }).output()
 *   .then((o) => o.success, () => false);
 * if (!hasSqueue) assertEquals(await slurmJobAlive("123"), true);
 * ```
 */
export async function slurmJobAlive(id: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("squeue", {
      args: ["-h", "-j", id, "-o", "%T"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    const err = new TextDecoder().decode(out.stderr);
    if (!out.success) return !/Invalid job id/i.test(err);
    return text !== "" &&
      !/^(COMPLETED|CANCELLED|FAILED|TIMEOUT|PREEMPTED|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)/
        .test(text);
  } catch {
    return true;
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as LockOwner;
  } catch {
    return null;
  }
}

/**
 * Why the lock of `owner` no longer holds, or null when its owner may still be writing.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { staleReason } from "./lock.ts";
 * const owner = { pid: 2 ** 22 + 7, host: Deno.hostname(), startTicks: null, slurmJob: null,
 *   since: "", command: "transfer" };
 * assertEquals(
 *   await staleReason(owner, {}),
 *   `process ${2 ** 22 + 7} on ${Deno.hostname()} is gone`,
 * );
 * ```
 */
export async function staleReason(owner: LockOwner, options: LockOptions): Promise<string | null> {
  if (owner.host === Deno.hostname() && !processAlive(owner.pid, owner.startTicks)) {
    return `process ${owner.pid} on ${owner.host} is gone`;
  }
  if (owner.slurmJob !== null && owner.slurmJob !== slurmJobOfThisProcess()) {
    const alive = await (options.slurmJobAlive ?? slurmJobAlive)(owner.slurmJob);
    if (!alive) return `Slurm job ${owner.slurmJob} has ended`;
  }
  return null;
}

/**
 * Takes the lock of folder `dir` (creating it) for `command`; throws naming the owner when
 * another live process holds it. A stale lock is replaced (see the module doc).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { acquireLock } from "./lock.ts";
 * const dir = await Deno.makeTempDir();
 * const lock = await acquireLock(dir, "merge");
 * assertEquals(JSON.parse(await Deno.readTextFile(lock.path)).pid, Deno.pid);
 * await lock.release();
 * ```
 */
export async function acquireLock(
  dir: string,
  command: string,
  options: LockOptions = {},
): Promise<Lock> {
  const clean = dir.replace(/\/+$/, "");
  await Deno.mkdir(clean, { recursive: true });
  const path = `${clean}/${LOCK_FILE}`;
  const me: LockOwner = {
    pid: Deno.pid,
    host: Deno.hostname(),
    startTicks: processStartTicks(Deno.pid),
    slurmJob: slurmJobOfThisProcess(),
    since: new Date().toISOString(),
    command,
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const file = await Deno.open(path, { write: true, createNew: true });
      await file.write(new TextEncoder().encode(JSON.stringify(me) + "\n"));
      await file.syncData();
      file.close();
      const stop = removeOnSignal(path, me);
      return {
        path,
        release: async () => {
          stop();
          await releaseIfOurs(path, me);
        },
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    const owner = await readOwner(path);
    if (owner === null) {
      // Being written this instant by its creator, or left empty by a crash at that instant.
      await new Promise((r) => setTimeout(r, 200));
      if (await readOwner(path) === null && attempt === 2) {
        throw new Error(
          `${command}: ${path} exists but is unreadable; if no sweep writes ` +
            `${clean}, delete it and retry`,
        );
      }
      continue;
    }
    const reason = await staleReason(owner, options);
    if (reason === null) {
      throw new Error(
        `${command}: ${clean} is being written by ${owner.command} (pid ${owner.pid} on ` +
          `${owner.host}${owner.slurmJob ? `, Slurm job ${owner.slurmJob}` : ""}, since ` +
          `${owner.since}); wait for it, or choose another --out. If that process is gone, ` +
          `delete ${path}`,
      );
    }
    // Move the stale lock aside atomically: of two processes racing here, one rename wins.
    const aside = `${path}.stale-${Deno.pid}`;
    try {
      await Deno.rename(path, aside);
      await Deno.remove(aside);
      console.error(`${command}: took over the lock of ${clean} (${reason})`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  throw new Error(`${command}: could not take the lock ${path} after 3 attempts`);
}

/**
 * The live owner of folder `dir`'s lock, or null when it is unlocked or its lock is stale.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { acquireLock, lockHolder } from "./lock.ts";
 * const dir = await Deno.makeTempDir();
 * const lock = await acquireLock(dir, "transfer");
 * assertEquals((await lockHolder(dir))?.pid, Deno.pid);
 * await lock.release();
 * assertEquals(await lockHolder(dir), null);
 * ```
 */
export async function lockHolder(
  dir: string,
  options: LockOptions = {},
): Promise<LockOwner | null> {
  const owner = await readOwner(`${dir.replace(/\/+$/, "")}/${LOCK_FILE}`);
  if (owner === null) return null;
  return await staleReason(owner, options) === null ? owner : null;
}

/** On SIGTERM (e.g. `scancel`) or SIGINT, remove the lock before the process exits. */
function removeOnSignal(path: string, me: LockOwner): () => void {
  return onStop(() => {
    try {
      const owner = JSON.parse(Deno.readTextFileSync(path)) as LockOwner;
      if (owner.pid === me.pid && owner.since === me.since) Deno.removeSync(path);
    } catch { /* already gone */ }
  });
}

async function releaseIfOurs(path: string, me: LockOwner): Promise<void> {
  const owner = await readOwner(path);
  if (
    owner === null || owner.pid !== me.pid || owner.host !== me.host || owner.since !== me.since
  ) {
    return;
  }
  try {
    await Deno.remove(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
