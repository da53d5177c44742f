import { ConclaveError } from '../../router/errors';
import type { Db } from '../db/client';
import { getExpertRow } from '../db/experts';
import { getPolicyRow } from '../db/policies';
import { BUILTIN_POLICIES } from '../gateway/policies';

// `model` resolves policies before experts, so a policy and an expert must never share a name:
// the expert would be reachable by `model` no more, and /v1/models would list the name twice.

function conflict(message: string, param: 'name' | 'id'): ConclaveError {
  return new ConclaveError(message, 409, 'client', 'invalid_request_error', 'conflict', param);
}

/** Refuses a policy name that is an expert's id. */
export async function assertPolicyNameFree(db: Db, name: string): Promise<void> {
  if (await getExpertRow(db, name)) throw conflict(`'${name}' is an expert id; choose another policy name`, 'name');
}

/** Refuses an expert id that names a built-in or saved policy. */
export async function assertExpertIdFree(db: Db, id: string): Promise<void> {
  if (BUILTIN_POLICIES.has(id) || (await getPolicyRow(db, id)))
    throw conflict(`'${id}' is a routing policy's name, which \`model\` resolves first; choose another expert id`, 'id');
}
