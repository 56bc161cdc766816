/**
 * Typed errors of the engine API: each says what went wrong in words an operator understands,
 * and each is raised before anything is written.
 */
import type { Diagnostic } from '../dsl/diagnostics.js';
import type { Problem } from '../ir/validate.js';

export class SvcflowError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class DeployError extends SvcflowError {
  constructor(readonly diagnostics: Diagnostic[]) {
    super('engine/invalid-definition', `the definitions have ${diagnostics.length} error(s): ${diagnostics.slice(0, 3).map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`).join(', ')}`);
  }
}

export class VersionConflictError extends SvcflowError {
  constructor(name: string, version: number) {
    super('engine/version-conflict', `${name} version ${version} is already deployed with different content: give the changed process a new version number`);
  }
}

export class UnknownProcessError extends SvcflowError {
  constructor(name: string, known: string[]) {
    super('engine/unknown-process', `there is no deployed process '${name}'; deployed: ${known.length ? known.join(', ') : '(none — run svcflow deploy first)'}`);
  }
}

export class InvalidInputError extends SvcflowError {
  constructor(
    what: string,
    readonly problems: Problem[],
  ) {
    super('engine/invalid-input', `invalid ${what}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
  }
}

export class InstanceNotRunningError extends SvcflowError {
  constructor(id: string, status: string) {
    super('engine/not-running', `instance ${id} is ${status.toLowerCase()}, not running: it takes no more signals or updates`);
  }
}

export class UnknownInstanceError extends SvcflowError {
  constructor(id: string) {
    super('engine/unknown-instance', `there is no process instance '${id}'`);
  }
}

export class UpdateRejectedError extends SvcflowError {
  constructor(id: string, name: string, reason: string) {
    super('engine/update-rejected', `instance ${id} rejected update '${name}': ${reason}`);
  }
}

export class UnknownSignalError extends SvcflowError {
  constructor(process: string, name: string, known: string[]) {
    super('engine/unknown-signal', `${process} never waits for '${name}'; it waits for: ${known.join(', ') || '(nothing)'}`);
  }
}

export class InstanceExistsError extends SvcflowError {
  constructor(id: string, status: string) {
    super(
      'engine/instance-exists',
      `instance ${id} already exists (${status.toLowerCase()}): a business id names one instance, once; start another with a new id, or look at this one with svcflow show ${id}`,
    );
  }
}

/** A value that cannot be searched for as it is (a list filter, a message's correlation key). */
export class InvalidQueryError extends SvcflowError {
  constructor(what: string, reason: string) {
    super('engine/invalid-query', `invalid ${what}: ${reason}`);
  }
}
