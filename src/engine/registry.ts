/**
 * The process registry (PostgreSQL): every deployed version of every process — name, version,
 * content hash, source, IR, deployed at. Deploying the same content again is a no-op; the same
 * (name, version) with different content is refused.
 */
import pg from 'pg';
import { ProcessIR } from '../ir/schema.js';
import { VersionConflictError } from './errors.js';

export interface DeployedVersion {
  name: string;
  version: number;
  hash: string;
  sourceFile: string;
  deployedAt: Date;
  ir: ProcessIR;
}

interface Row {
  name: string;
  version: number;
  hash: string;
  source_file: string;
  deployed_at: Date;
  ir: unknown;
}

const toVersion = (r: Row): DeployedVersion => ({
  name: r.name,
  version: r.version,
  hash: r.hash,
  sourceFile: r.source_file,
  deployedAt: r.deployed_at,
  ir: ProcessIR.parse(r.ir),
});

export class Registry {
  constructor(private readonly pool: pg.Pool) {}

  /** Stores each IR; returns which were new. All or nothing, in one transaction. */
  async deploy(items: Array<{ ir: ProcessIR; source: string }>): Promise<Array<{ name: string; version: number; hash: string; created: boolean }>> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const out = [];
      for (const { ir, source } of items) {
        const inserted = await client.query(
          `insert into svcflow_process_versions (name, version, hash, source_file, source, ir)
           values ($1, $2, $3, $4, $5, $6) on conflict do nothing returning name`,
          [ir.name, ir.version, ir.hash, ir.source.file, source, JSON.stringify(ir)],
        );
        if (inserted.rowCount === 0) {
          const { rows } = await client.query<{ hash: string }>('select hash from svcflow_process_versions where name = $1 and version = $2', [ir.name, ir.version]);
          if (rows[0]?.hash !== ir.hash) throw new VersionConflictError(ir.name, ir.version);
        }
        out.push({ name: ir.name, version: ir.version, hash: ir.hash, created: inserted.rowCount === 1 });
      }
      await client.query('commit');
      return out;
    } catch (err) {
      await client.query('rollback');
      throw err;
    } finally {
      client.release();
    }
  }

  /** The newest version of a process, or a given version. */
  async get(name: string, version?: number): Promise<DeployedVersion | undefined> {
    const { rows } = await this.pool.query<Row>(
      `select name, version, hash, source_file, deployed_at, ir from svcflow_process_versions
       where name = $1 and ($2::int is null or version = $2) order by version desc limit 1`,
      [name, version ?? null],
    );
    return rows[0] && toVersion(rows[0]);
  }

  /** The hash of the newest version of a process, or of a given version: what a start needs, without the IR. */
  async hashOf(name: string, version?: number): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ hash: string }>(
      'select hash from svcflow_process_versions where name = $1 and ($2::int is null or version = $2) order by version desc limit 1',
      [name, version ?? null],
    );
    return rows[0]?.hash;
  }

  async byHash(hash: string): Promise<DeployedVersion | undefined> {
    const { rows } = await this.pool.query<Row>('select name, version, hash, source_file, deployed_at, ir from svcflow_process_versions where hash = $1', [hash]);
    return rows[0] && toVersion(rows[0]);
  }

  async names(): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string }>('select distinct name from svcflow_process_versions order by name');
    return rows.map((r) => r.name);
  }

  /**
   * How the deployed versions index each of these business key names: `pii` when some version's
   * `index` names it as a @pii input field (stored as its keyed hash), `plain` when some version's
   * names it as one that is not. A name no version indexes is in neither. `process`: its versions only.
   */
  async indexedAs(names: string[], process?: string): Promise<{ pii: Set<string>; plain: Set<string> }> {
    const { rows } = await this.pool.query<{ field: string; pii: boolean }>(
      `select distinct f->>'name' as field, coalesce((f->>'pii')::boolean, false) as pii
         from svcflow_process_versions v, jsonb_array_elements(v.ir->'input') f
        where f->>'name' = any($1::text[]) and jsonb_exists(v.ir->'index', f->>'name') and ($2::text is null or v.name = $2)`,
      [names, process ?? null],
    );
    const out = { pii: new Set<string>(), plain: new Set<string>() };
    for (const r of rows) (r.pii ? out.pii : out.plain).add(r.field);
    return out;
  }

  async list(): Promise<Array<Omit<DeployedVersion, 'ir'>>> {
    const { rows } = await this.pool.query<Row>('select name, version, hash, source_file, deployed_at from svcflow_process_versions order by name, version');
    return rows.map((r) => ({ name: r.name, version: r.version, hash: r.hash, sourceFile: r.source_file, deployedAt: r.deployed_at }));
  }
}
