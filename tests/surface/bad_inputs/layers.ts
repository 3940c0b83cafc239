/**
 * Bad inputs to the layers above the core: nn (models, train, resume), optim, param, checkpoints.
 *
 * @module
 */
import * as nu from "../../../mod.ts";
import {
  type BadInput,
  BOTH,
  config,
  GPU,
  i32,
  model,
  okWindow,
  ones,
  params,
  tempFile,
  windows,
} from "./helpers.ts";

/** The rows. */
export const LAYERS: readonly BadInput[] = [
  // ---------------------------------------------------------------- nn
  {
    area: "nn",
    name: "modelConfig with a width not divisible by the head size",
    call: () => nu.nn.modelConfig({ vocab: 16, width: 30, depth: 1, seqLen: 8 }),
    message: "modelConfig: width 30 is not divisible by headSize 16",
  },
  {
    area: "nn",
    name: "model.apply with a token id of the vocabulary's size",
    call: (b) => model.apply(params(b), i32([[0, 16]], b)).data(),
    message: "apply: token id 16 at [0, 1] of the [1,2] batch is outside [0, vocab 16)",
  },
  {
    area: "nn",
    name: "model.apply with a token id of -1",
    call: (b) => model.apply(params(b), i32([[-1, 0]], b)).data(),
    message: "apply: token id -1 at [0, 0] of the [1,2] batch is outside [0, vocab 16)",
  },
  {
    area: "nn",
    name: "model.apply with a bad id on WebGPU (checked at the readback)",
    call: (b) => model.apply(params(b), i32([[3, 20]], b)).data(),
    message: "gather: index 20 at position [0,1] is out of range for a table of 16 rows",
    on: GPU,
  },
  {
    area: "nn",
    name: "model.loss with a target id out of range",
    call: (b) => model.loss(params(b), i32([[0, 1, 99]], b)).item(),
    message: "loss: token id 99 at [0, 2] of the [1,3] batch is outside [0, vocab 16)",
  },
  {
    area: "nn",
    name: "model.apply with f32 tokens",
    call: (b) => model.apply(params(b), ones([1, 2], b)),
    message: "apply: tokens must be i32 [B, T], got f32 [1,2]",
    on: BOTH,
  },
  {
    area: "nn",
    name: "model.apply with more positions than seqLen",
    call: (b) => model.apply(params(b), nu.zeros([1, 9], { dtype: "i32", backend: b })),
    message: "apply: 9 positions exceed config.seqLen 8",
    on: BOTH,
  },
  {
    area: "nn",
    name: "train at a negative learning rate",
    call: () => nu.nn.train(model, { lr: -1, steps: 1, batch: () => windows(okWindow, 1) }),
    message: "train: lr must be a positive number, got -1",
  },
  {
    area: "nn",
    name: "train for 0 steps",
    call: () => nu.nn.train(model, { lr: 0.01, steps: 0, batch: () => windows(okWindow, 1) }),
    message: "train: steps must be a positive integer, got 0",
  },
  {
    area: "nn",
    name: "train on a ragged host batch",
    call: () =>
      nu.nn.train(model, { lr: 0.01, steps: 1, batch: () => windows([...okWindow, 1, 2], 2) }),
    message: "train: 11 token ids do not split into 2 windows of equal length",
  },
  {
    area: "nn",
    name: "train on a host batch with a bad id",
    call: () =>
      nu.nn.train(model, {
        lr: 0.01,
        steps: 1,
        batch: () => windows([...okWindow.slice(0, 8), 300], 1),
      }),
    message: "train: token id 300 at [0, 8] of the [1,9] batch is outside [0, vocab 16)",
  },
  {
    area: "nn",
    name: "train with checkpointEvery but no path",
    call: () =>
      nu.nn.train(model, {
        lr: 0.01,
        steps: 2,
        batch: () => windows(okWindow, 1),
        checkpointEvery: 1,
      }),
    message: "train: checkpointEvery needs checkpointPath (the file to write)",
  },
  {
    area: "nn",
    name: "train resuming from a missing checkpoint",
    call: () =>
      nu.nn.train(model, {
        lr: 0.01,
        steps: 2,
        batch: () => windows(okWindow, 1),
        resumeFrom: "/nonexistent/run.safetensors",
      }),
    message: "load: /nonexistent/run.safetensors: cannot read the file",
  },
  {
    area: "nn",
    name: "train given both params and resumeFrom",
    call: (b) =>
      nu.nn.train(model, {
        lr: 0.01,
        steps: 2,
        batch: () => windows(okWindow, 1),
        params: params(b),
        resumeFrom: "run.safetensors",
      }),
    message: "train: give params or resumeFrom, not both (a resumed run has its own)",
  },
  // ---------------------------------------------------------------- optim
  {
    area: "optim",
    name: "adam at a negative learning rate",
    call: () => nu.optim.adam(-1),
    message: "adam: lr must be a non-negative finite number or a schedule, got -1",
  },
  {
    area: "optim",
    name: "adamw at a NaN learning rate",
    call: () => nu.optim.adamw(NaN),
    message: "adamw: lr must be a non-negative finite number or a schedule, got NaN",
  },
  {
    area: "optim",
    name: "sgd at a string learning rate",
    call: () => nu.optim.sgd("0.1" as unknown as number),
    message: "sgd: lr must be a non-negative finite number or a schedule, got 0.1",
  },
  {
    area: "optim",
    name: "cosineDecay over 0 steps",
    call: () => nu.optim.cosineDecay({ peak: 0.1, steps: 0 }),
    message: "cosineDecay: steps must be a positive integer, got 0",
  },
  {
    area: "optim",
    name: "clipByGlobalNorm with a negative norm",
    call: () => nu.optim.clipByGlobalNorm(-1),
    message: "clipByGlobalNorm: maxNorm must be a positive finite number, got -1",
  },
  // ---------------------------------------------------------------- param
  {
    area: "param",
    name: "widthExponent of an unknown role",
    call: () => nu.param.widthExponent("hiddden" as nu.param.Role, 1),
    message: 'widthExponent: unknown role "hiddden"; known roles: input, hidden, output',
  },
  {
    area: "param",
    name: "lrMultiplier of NaN",
    call: () => nu.param.lrMultiplier("hidden", NaN),
    message: "lrMultiplier: factor must be a finite number, got NaN",
  },
  {
    area: "param",
    name: "describe at dims with a zero width",
    call: () => nu.param.describe(nu.param.ngpt, { width: 0, depth: 1, steps: 1 } as nu.param.Dims),
    message: "ngpt: dims.width must be a positive finite number, got 0",
  },
  // ---------------------------------------------------------------- checkpoints
  {
    area: "checkpoints",
    name: "load of a missing file",
    call: () => nu.nn.load("/nonexistent/model.safetensors"),
    message: "load: /nonexistent/model.safetensors: cannot read the file",
  },
  {
    area: "checkpoints",
    name: "load of a three-byte file",
    call: async () => {
      const path = await tempFile(new Uint8Array(3));
      try {
        return await nu.nn.load(path);
      } finally {
        await Deno.remove(path);
      }
    },
    message: "file too short (3 bytes) for the 8-byte header length",
  },
  {
    area: "checkpoints",
    name: "save of parameters that do not match the config",
    call: async (b) => {
      const other = nu.nn.modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 });
      return await nu.nn.save("/tmp/never-written.safetensors", params(b), {
        config: other,
        parameterization: nu.param.ngpt,
      });
    },
    message:
      "save: /tmp/never-written.safetensors: tensor embed has shape [16,16], the config implies [16,32]",
  },
  {
    area: "checkpoints",
    name: "save with metadata that replaces the format",
    call: (b) =>
      nu.nn.save("/tmp/never-written.safetensors", params(b), {
        config,
        parameterization: nu.param.ngpt,
        metadata: { format: "mine" },
      }),
    message:
      "save: /tmp/never-written.safetensors: options.metadata may not set the reserved key format",
  },
  {
    area: "checkpoints",
    name: "resuming from a checkpoint without training progress",
    call: async (b) => {
      const path = await Deno.makeTempFile({ suffix: ".safetensors" });
      try {
        await nu.nn.save(path, params(b), { config, parameterization: nu.param.ngpt });
        return await nu.nn.train(model, {
          lr: 0.01,
          steps: 2,
          batch: () => windows(okWindow, 1),
          resumeFrom: path,
        });
      } finally {
        await Deno.remove(path);
      }
    },
    message: "has no training progress or optimizer state (write it with checkpointEvery)",
  },
];
