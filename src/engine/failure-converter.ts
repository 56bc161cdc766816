/**
 * The failure converter of svcflow's clients and workers: failure messages and stack traces go
 * into the failure's encoded attributes, a payload, so the codec encrypts them with the rest
 * ("02199999999 is not in the allocation pool" was readable in history). Workers load it by path
 * (the workflow sandbox has its own copy), so this module exports nothing else.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
