import { PassThrough } from "node:stream";
import { text } from "node:stream/consumers";
import { createElement } from "react";
import { renderToPipeableStream } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { trimChunkPadding, withoutChunkPadding } from "./ssr-stream.server";

function render(node: ReturnType<typeof createElement>, through: (p: PassThrough) => NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const out = new PassThrough();
    const { pipe } = renderToPipeableStream(node, {
      onAllReady() {
        text(out).then(resolve, reject);
        pipe(through(out));
      },
      onShellError: reject,
    });
  });
}

describe("the streaming renderer's chunk padding (react#24985)", () => {
  // Chinese text whose 3-byte characters straddle the renderer's 2,048-byte buffers.
  const page = createElement(
    "main",
    null,
    Array.from({ length: 300 }, (_, i) => createElement("p", { key: i }, `第${i}条：提交的内容有误，请检查标出的字段。`)),
  );

  it("React 18 pads its buffers with NUL bytes on Chinese text — the bug this works around", async () => {
    const raw = await render(page, (out) => out);
    expect(raw.includes("\u0000")).toBe(true);
  });

  it("through the filter the HTML has no NUL and every character intact", async () => {
    const html = await render(page, (out) => {
      const t = withoutChunkPadding();
      t.pipe(out);
      return t;
    });
    expect(html.includes("\u0000")).toBe(false);
    for (let i = 0; i < 300; i++) expect(html).toContain(`<p>第${i}条：提交的内容有误，请检查标出的字段。</p>`);
  });

  it("trims at most three trailing zero bytes and nothing else", () => {
    expect([...trimChunkPadding(new Uint8Array([0xe5, 0xad, 0x97, 0, 0]))]).toEqual([0xe5, 0xad, 0x97]);
    expect([...trimChunkPadding(new Uint8Array([1, 0, 0, 0, 0]))]).toEqual([1, 0]);
    const clean = new Uint8Array([1, 2, 3]);
    expect(trimChunkPadding(clean)).toBe(clean);
    expect([...trimChunkPadding(new Uint8Array([0, 1]))]).toEqual([0, 1]);
  });
});
