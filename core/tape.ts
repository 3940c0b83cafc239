/**
 * Gradient tapes: the hidden record that `vjp`, `grad` and `valueAndGrad`
 * keep while the function they transform runs.
 *
 * Every active tape that tracks any input of an op records it (so a tape
 * opened inside another one's function nests, and the backward pass of an
 * inner tape is itself recorded by the outer one: grad of grad). A tape pins
 * the tensors it records until it is released.
 *
 * @module
 */
import type { Tensor } from "./tensor.ts";

/**
 * A cotangent rule for a recorded node: input cotangents from the output's.
 * `wants[i]` says whether input `i` needs one (a rule may skip the others).
 */
export type VjpFn = (cotangent: Tensor, wants: readonly boolean[]) => readonly (Tensor | null)[];

/** One recorded application of a primitive. */
export interface Node {
  /** The primitive or custom rule name (for messages). */
  readonly name: string;
  /** The inputs it was applied to. */
  readonly inputs: readonly Tensor[];
  /** Its output. */
  readonly output: Tensor;
  /** Its cotangent rule, or null when it has no derivative. */
  readonly vjp: VjpFn | null;
  /** Further tensors the rule needs (a custom rule's residuals), pinned with the node. */
  readonly residuals?: readonly Tensor[];
}

/** A gradient tape. */
export class Tape {
  /** Ids of tensors that depend on the tape's inputs. */
  readonly tracked = new Set<number>();
  /** Recorded nodes, in execution order. */
  readonly nodes: Node[] = [];
  readonly #pinned: Tensor[] = [];
  #released = false;

  /** Mark `t` as an input of this tape. */
  watch(t: Tensor): void {
    this.tracked.add(t.id);
    this.#pin(t);
  }

  /** @internal */
  push(node: Node): void {
    this.nodes.push(node);
    this.tracked.add(node.output.id);
    for (const t of node.inputs) this.#pin(t);
    for (const t of node.residuals ?? []) this.#pin(t);
    this.#pin(node.output);
  }

  #pin(t: Tensor): void {
    t._pin();
    this.#pinned.push(t);
  }

  /** Stop recording and let go of every pinned tensor. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const i = active.lastIndexOf(this);
    if (i >= 0) active.splice(i, 1);
    for (const t of this.#pinned) t._unpin();
    this.#pinned.length = 0;
  }

  /** Stop recording (keep the pins, for a backward pass still to come). */
  stop(): void {
    const i = active.lastIndexOf(this);
    if (i >= 0) active.splice(i, 1);
  }
}

const active: Tape[] = [];
let paused = 0;

/** Open a new tape and make it record. */
export function openTape(): Tape {
  const t = new Tape();
  active.push(t);
  return t;
}

/** Record `node` on every active tape that tracks one of its inputs. */
export function record(node: Node): void {
  if (paused > 0 || active.length === 0) return;
  for (const tape of active) {
    for (const input of node.inputs) {
      if (tape.tracked.has(input.id)) {
        tape.push(node);
        break;
      }
    }
  }
}

/** True when some active tape tracks one of `inputs`. */
export function isTracked(inputs: readonly Tensor[]): boolean {
  if (paused > 0) return false;
  for (const tape of active) for (const t of inputs) if (tape.tracked.has(t.id)) return true;
  return false;
}

/** Run `fn` with recording switched off (for custom rules' forward passes). */
export function withoutRecording<T>(fn: () => T): T {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}
