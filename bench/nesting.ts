/**
 * Processes nested n levels deep, one kind of nesting each: what `npm run bench:compile` times
 * for how checking grows with depth (issue 10: nested parallel once doubled at each level), and
 * what the tests bound. Each level also sets a name, so the checker's trial runs have work.
 */
const head = 'process Nested version 1\n  input { id: string, fee: money }\n';
const wrap = (body: string) => `${head}  ${body}\n  end "ok"\n`;

function nest(n: number, level: (inner: string, k: number) => string): string {
  let inner = 'set leaf = 1';
  for (let k = n - 1; k >= 0; k--) inner = level(inner, k);
  return wrap(inner);
}

export const NESTING = {
  parallel: (n: number) => nest(n, (inner, k) => `parallel all {\n branch a { ${inner} }\n branch b { set p${k} = input.id }\n }`),
  escalations: (n: number) => nest(n, (inner, k) => `wait signal go${k} within 1h\n escalate after 1m { ${inner}\n set e${k} = input.id }`),
  repeat: (n: number) => nest(n, (inner, k) => `repeat 2 times { ${inner}\n set r${k} = input.id }`),
  forEach: (n: number) => nest(n, (inner, k) => `for each i${k} in [1, 2] { ${inner}\n set f${k} = input.id }`),
  if: (n: number) => nest(n, (inner, k) => `if input.id == "${k}" { ${inner} } else { set o${k} = 1 }`),
  parens: (n: number) => wrap(`set x = ${'('.repeat(n)}1${' + 1)'.repeat(n)}`),
  plus: (n: number) => wrap(`set x = ${Array.from({ length: n + 1 }, (_, i) => String(i)).join(' + ')}`),
} satisfies Record<string, (n: number) => string>;

export type NestingKind = keyof typeof NESTING;

/** Levels of nesting each kind takes per n (a parallel opens two blocks: itself and a branch). */
export const LEVELS_PER_N: Record<NestingKind, number> = { parallel: 2, escalations: 1, repeat: 1, forEach: 1, if: 1, parens: 1, plus: 0 };
