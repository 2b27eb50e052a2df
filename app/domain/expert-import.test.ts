import { describe, expect, it } from "vitest";
import { boundedCells, mapHeaders, validateRows, withinImportBounds } from "./expert-import";
import { MAX_IMPORT_COLUMNS, MAX_IMPORT_ROWS } from "./limits";

const { index } = mapHeaders(["专家编号", "姓名", "从业年限", "所在地区", "专业代码"]);
const known = new Set(["A0101"]);

describe("expert import rows", () => {
  it("row numbers come from the table; valid rows pass", () => {
    const r = validateRows([{ row: 2, cells: ["E1", "张三", 10, "大庆", "A0101"] }, { row: 7, cells: ["E2", "李四", "x", "大庆", "A0101"] }], index, known);
    expect(r.valid.map((v) => v.code)).toEqual(["E1"]);
    expect(r.errors).toEqual([{ row: 7, field: "yearsExperience", code: "integer" }]);
  });

  it("control characters in a cell are refused (PostgreSQL refuses NUL), row by row", () => {
    const r = validateRows([{ row: 2, cells: ["E1", "张\u0000三", 10, "大庆", "A0101"] }], index, known);
    expect(r.errors).toEqual([{ row: 2, field: "name", code: "controlChar" }]);
  });

  it("bounds: rows and columns", () => {
    expect(withinImportBounds(MAX_IMPORT_ROWS)).toBe(true);
    expect(withinImportBounds(MAX_IMPORT_ROWS + 1)).toBe(false);
    expect(boundedCells(Array(MAX_IMPORT_COLUMNS + 10).fill("x"))).toHaveLength(MAX_IMPORT_COLUMNS);
    expect(boundedCells(["a"])).toEqual(["a"]);
  });
});
