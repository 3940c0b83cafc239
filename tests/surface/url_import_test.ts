/**
 * The public surface the way a user meets it: `mod.ts` imported by an
 * `http://` URL, with no import map and no config, in a fresh Deno process.
 */
import { assertEquals, assertTrue } from "../../testing/assert.ts";

const root = new URL("../../", import.meta.url);

function contentType(path: string): string {
  if (path.endsWith(".ts")) return "application/typescript; charset=utf-8";
  if (path.endsWith(".json")) return "application/json";
  return "text/plain";
}

Deno.test("mod.ts imports over http from a loopback server and computes a gradient", async () => {
  const served: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.includes("..")) return new Response("bad path", { status: 400 });
    try {
      const body = await Deno.readFile(new URL(`.${path}`, root));
      served.push(path);
      return new Response(body, { headers: { "content-type": contentType(path) } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const dir = await Deno.makeTempDir();
  try {
    const { port } = server.addr;
    const script = `
      import * as nu from "http://127.0.0.1:${port}/mod.ts";
      const f = (p) => nu.sum(nu.mul(nu.sin(p.x), p.y));
      const g = nu.grad(f)({ x: nu.tensor([0, 1, 2]), y: nu.tensor([1, 2, 3]) });
      console.log(JSON.stringify({ x: Array.from(await g.x.data()), y: Array.from(await g.y.data()) }));
    `;
    const file = `${dir}/user.js`;
    await Deno.writeTextFile(file, script);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--no-lock",
        `--allow-import=127.0.0.1:${port}`,
        "--allow-env",
        "--allow-read",
        file,
      ],
      cwd: dir,
      env: { DENO_DIR: `${dir}/deno_dir`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, `subprocess failed:\n${stderr}`);
    const lines = stdout.trim().split("\n");
    const result = JSON.parse(lines[lines.length - 1]);
    const expectX = [0, 1, 2].map((v, i) => Math.cos(v) * [1, 2, 3][i]);
    const expectY = [0, 1, 2].map(Math.sin);
    result.x.forEach((v: number, i: number) =>
      assertTrue(Math.abs(v - expectX[i]) < 1e-6, `x[${i}]`)
    );
    result.y.forEach((v: number, i: number) =>
      assertTrue(Math.abs(v - expectY[i]) < 1e-6, `y[${i}]`)
    );
    assertTrue(served.includes("/mod.ts"));
    assertTrue(
      served.every((p) => p.endsWith(".ts")),
      `served only TypeScript: ${served.join(", ")}`,
    );
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
