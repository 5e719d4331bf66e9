import type { K8sObject } from './ops';

// Offline validation against the Kubernetes OpenAPI schemas and the KEDA and Prometheus Operator
// CRD schemas, compiled into the npm packages kubernetes-models, @kubernetes-models/keda and
// @kubernetes-models/prometheus-operator (one module per apiVersion/kind).

const PACKAGES = 'kubernetes-models@4.5.1 @kubernetes-models/keda@0.4.2 @kubernetes-models/prometheus-operator@4.4.4';

function modulePath(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'keda.sh') return `@kubernetes-models/keda/keda.sh/${version}/${kind}`;
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${kind}`;
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

/** Problems of one object against its schema ([] when valid). Throws when no schema is known. */
export function schemaProblems(obj: K8sObject): string[] {
  const path = modulePath(obj.apiVersion, obj.kind);
  let mod: Record<string, new (data: unknown) => { validate(): void }>;
  try {
    mod = require(path);
  } catch (err) {
    const pkg = path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];
    let installed = true;
    try {
      require.resolve(`${pkg}/package.json`);
    } catch {
      installed = false;
    }
    if (!installed) throw new Error(`${pkg} is not installed; the schema packages are: npm install -D ${PACKAGES}`);
    throw new Error(`no schema for ${obj.apiVersion} ${obj.kind} (${path}): ${(err as Error).message}`);
  }
  const Model = mod[obj.kind];
  if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind} in ${path}`);
  // kustomize folds long base64 values over lines; the API server's decoder skips the newlines.
  if (obj.kind === 'Secret' && obj.data) obj = { ...obj, data: Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, v.replace(/\s+/g, '')])) };
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    return [`${obj.kind}/${obj.metadata?.name}: ${(err as Error).message}`];
  }
}

/**
 * Fields the schemas allow but Kubernetes does not know (a typo validates, the API server prunes
 * or rejects it): checked for the parts we write most, like kubeconform -strict.
 */
const CONTAINER_FIELDS = new Set(['name', 'image', 'command', 'args', 'env', 'envFrom', 'ports', 'startupProbe', 'readinessProbe', 'livenessProbe', 'resources', 'securityContext', 'volumeMounts', 'imagePullPolicy', 'workingDir', 'lifecycle']);
const POD_FIELDS = new Set(['serviceAccountName', 'automountServiceAccountToken', 'terminationGracePeriodSeconds', 'securityContext', 'initContainers', 'containers', 'volumes', 'topologySpreadConstraints', 'affinity', 'nodeSelector', 'tolerations', 'priorityClassName', 'imagePullSecrets']);

export function strictProblems(obj: K8sObject): string[] {
  const problems: string[] = [];
  const pod = obj.kind === 'Deployment' ? obj.spec?.template?.spec : undefined;
  if (!pod) return problems;
  for (const k of Object.keys(pod)) if (!POD_FIELDS.has(k)) problems.push(`${obj.kind}/${obj.metadata.name}: unknown pod field ${k}`);
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) for (const k of Object.keys(c)) if (!CONTAINER_FIELDS.has(k)) problems.push(`${obj.kind}/${obj.metadata.name}: unknown container field ${c.name}.${k}`);
  return problems;
}
