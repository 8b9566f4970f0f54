/** The 24 task names the API doc lists for the `name` parameter, in the doc's order. */
export const DOCUMENTED_JOB_NAMES = [
  'CreateInstance',
  'RestoreNewInstance',
  'EnlargeInstance',
  'ReduceInstance',
  'RestartInstance',
  'RestartNode',
  'EnlargeInstanceVolume',
  'ReduceInstanceVolume',
  'ResizeInstance',
  'UpgradeDbVersion',
  'BindPublicIP',
  'UnbindPublicIP',
  'DeleteInstance',
  'EnlargeInstanceColdVolume',
  'AddInstanceColdVolume',
  'ModifySecurityGroup',
  'ModifyCcmCert',
  'ModifyPort',
  'ConstructDisasterRecovery',
  'DeConstructDisasterRecovery',
  'SwitchOverDisasterRecovery',
  'BuildBiActiveInstance',
  'ReleaseBiActiveInstance',
  'BackupInstance',
] as const;

/** Names real responses carry although the doc does not list them (the doc's own example uses one). */
export const UNDOCUMENTED_JOB_NAMES = ['CreateCassandra'] as const;

/** Statuses the doc lists, accepted by the `status` filter. */
export const DOCUMENTED_STATUSES = ['Running', 'Completed', 'Failed'] as const;

/** The undocumented status a few simulated tasks show before they start running. */
export const PENDING_STATUS = 'Pending';

/** How a kind of task behaves in the simulated world. */
export interface JobProfile {
  /** Relative frequency among new tasks. */
  readonly weight: number;
  /** Run time range at speed 1, in seconds. */
  readonly minSeconds: number;
  readonly maxSeconds: number;
  /** What `fail_reason` says when this kind of task fails. */
  readonly failReasons: readonly string[];
}

const CAPACITY = ['Insufficient resources in the AZ.', 'The specifications are sold out in the selected AZ.'];
const INTERNAL = 'Internal error. Contact technical support.';
const NODE = ['Node restart timed out.', 'The node is abnormal. Check the node status.'];
const STORAGE = ['Storage scaling failed: insufficient disk quota.', INTERNAL];
const NETWORK = ['Failed to update the network configuration of the instance.', INTERNAL];
const DR = ['The DR instance is unreachable.', 'Data synchronization between DR instances timed out.'];

const profile = (
  weight: number,
  minSeconds: number,
  maxSeconds: number,
  failReasons: readonly string[],
): JobProfile => ({ weight, minSeconds, maxSeconds, failReasons });

/**
 * Every simulated task name with its profile: backups and restarts are common, the rest rare,
 * all between 5 and 60 seconds at speed 1.
 */
export const JOB_PROFILES: Readonly<Record<string, JobProfile>> = {
  BackupInstance: profile(30, 15, 60, ['Backup timed out.', 'Failed to upload the backup file to OBS.']),
  RestartInstance: profile(14, 10, 40, NODE),
  RestartNode: profile(5, 5, 25, NODE),
  ResizeInstance: profile(5, 30, 60, CAPACITY),
  EnlargeInstanceVolume: profile(4, 10, 30, STORAGE),
  CreateInstance: profile(4, 40, 60, CAPACITY),
  EnlargeInstance: profile(3, 30, 60, CAPACITY),
  ModifySecurityGroup: profile(3, 5, 15, NETWORK),
  ReduceInstance: profile(2, 30, 60, ['Failed to migrate data off the node.', INTERNAL]),
  UpgradeDbVersion: profile(2, 40, 60, ['Version upgrade failed and was rolled back.', INTERNAL]),
  BindPublicIP: profile(2, 5, 15, ['The EIP is already bound to another resource.', INTERNAL]),
  UnbindPublicIP: profile(2, 5, 15, NETWORK),
  DeleteInstance: profile(2, 10, 30, [INTERNAL]),
  RestoreNewInstance: profile(2, 40, 60, [...CAPACITY, 'The backup file is unavailable.']),
  CreateCassandra: profile(2, 40, 60, CAPACITY),
  ReduceInstanceVolume: profile(1, 10, 30, STORAGE),
  EnlargeInstanceColdVolume: profile(1, 10, 30, STORAGE),
  AddInstanceColdVolume: profile(1, 10, 30, STORAGE),
  ModifyCcmCert: profile(1, 5, 20, ['The CCM certificate is invalid or expired.']),
  ModifyPort: profile(1, 10, 30, ['The port is already in use.', INTERNAL]),
  ConstructDisasterRecovery: profile(1, 30, 60, DR),
  DeConstructDisasterRecovery: profile(1, 20, 50, DR),
  SwitchOverDisasterRecovery: profile(1, 20, 50, DR),
  BuildBiActiveInstance: profile(1, 40, 60, [...CAPACITY, ...DR]),
  ReleaseBiActiveInstance: profile(1, 20, 50, DR),
};

/** Profile of a name, with a neutral default for names added by tests. */
export function profileOf(name: string): JobProfile {
  return JOB_PROFILES[name] ?? profile(1, 10, 30, [INTERNAL]);
}

/** `[name, weight]` pairs for drawing the name of a new task. */
export const JOB_NAME_WEIGHTS: readonly (readonly [string, number])[] = Object.entries(JOB_PROFILES).map(
  ([name, { weight }]) => [name, weight] as const,
);
