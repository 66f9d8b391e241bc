import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * One ```ts / ```typescript block of a markdown file, with the `<!-- compile: ... -->`
 * directives written on the lines just above its fence (see test/docs-examples.test.ts).
 */
export interface DocBlock {
  /** The markdown file, relative to the repository root, with forward slashes. */
  doc: string;
  /** 1-based line of the block's first code line in the markdown file. */
  line: number;
  /** The code, with the fence's indentation removed. */
  code: string;
  /** `skip <reason>`: not compiled. */
  skip?: string;
  /** `run`: also executed against a seeded SQLite database. */
  run: boolean;
  /** `file <name>.ts`: the block's file name, so the doc's other blocks can import it as `./<name>.js`. */
  file?: string;
  /** Directives that are not understood (the test fails on them). */
  problems: string[];
}

/** The markdown files whose TypeScript blocks are compiled: README.md, ARCHITECTURE.md, docs/*.md, plugins/pglite/README.md. */
export function docFiles(root: string): string[] {
  const files = ["README.md", "ARCHITECTURE.md"].filter((f) => existsSync(path.join(root, f)));
  const docs = path.join(root, "docs");
  if (existsSync(docs)) {
    for (const f of readdirSync(docs).sort()) if (f.endsWith(".md")) files.push(`docs/${f}`);
  }
  if (existsSync(path.join(root, "plugins/pglite/README.md"))) files.push("plugins/pglite/README.md");
  return files;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const DIRECTIVE = /^\s*<!--\s*compile:\s*(.*?)\s*-->\s*$/;
const TS_LANGUAGES = new Set(["ts", "typescript"]);

/** The TypeScript blocks of one markdown text (fences of other languages are skipped whole). */
export function extractBlocks(doc: string, text: string): DocBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, language] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = FENCE.exec(lines[j]);
      if (close && close[2][0] === fence[0] && close[2].length >= fence.length && close[3] === "") break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    if (TS_LANGUAGES.has(language.toLowerCase())) blocks.push({ doc, line: i + 2, code: body.join("\n"), ...directives(lines, i) });
    i = j;
  }
  return blocks;
}

/** Reads the `<!-- compile: ... -->` lines directly above the fence at `fenceIndex` (blank lines between are allowed). */
function directives(lines: string[], fenceIndex: number): Pick<DocBlock, "skip" | "run" | "file" | "problems"> {
  const out: Pick<DocBlock, "skip" | "run" | "file" | "problems"> = { run: false, problems: [] };
  for (let k = fenceIndex - 1; k >= 0; k--) {
    if (lines[k].trim() === "") continue;
    const m = DIRECTIVE.exec(lines[k]);
    if (!m) break;
    const [word, ...rest] = m[1].split(/\s+/);
    const arg = rest.join(" ");
    if (word === "skip" && arg !== "") out.skip = arg;
    else if (word === "run" && arg === "") out.run = true;
    else if (word === "file" && /^[\w.-]+\.ts$/.test(arg)) out.file = arg;
    else out.problems.push(`line ${k + 1}: "<!-- compile: ${m[1]} -->" is not "skip <reason>", "run" or "file <name>.ts"`);
  }
  if (out.skip !== undefined && out.run) out.problems.push("a block cannot be both skipped and run");
  return out;
}

/** Every TypeScript block of the documentation under `root`. */
export function collectBlocks(root: string): DocBlock[] {
  return docFiles(root).flatMap((doc) => extractBlocks(doc, readFileSync(path.join(root, doc), "utf8")));
}
