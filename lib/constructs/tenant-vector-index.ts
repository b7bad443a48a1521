import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { deployingRoleArn } from '../deploying-role';
import { tenantDataAccessPolicyName, tenantIndexName } from '../platform-parameters';
import { IVectorStore } from './vector-store';

/** How the `embedding` field of an index is built. */
export interface VectorFieldSettings {
  /** Length of the vectors. */
  readonly dimensions: number;
  /** The k-NN engine of the HNSW graph: `faiss` or `nmslib`. */
  readonly engine: string;
  /** The distance function: `l2`, `innerproduct` or `cosinesimil`. */
  readonly spaceType: string;
}

/** Properties of {@link TenantVectorIndex}. */
export interface TenantVectorIndexProps {
  /** The tenant whose index this is; the index is `tenant-<tenantId>`. */
  readonly tenantId: string;
  /** The environment name, part of the data access policy's name. */
  readonly environmentName: string;
  /** The collection the index lives in: the pooled one, or the tenant's own. */
  readonly store: IVectorStore;
  /** The tenant's role: the only principal that reads and writes the tenant's documents. */
  readonly tenantRole: iam.IRole;
  /** The tenant's key, which envelope-encrypts the stored text; published in the registry entry. */
  readonly tenantKey: kms.IKey;
  /** ARN of the TTL sweeper's role, admitted to read and delete documents of this index only. */
  readonly sweeperRoleArn: string;
  /** The `embedding` field: dimensions, engine and distance. */
  readonly vectorField: VectorFieldSettings;
  /** Name of the SSM parameter that tells the functions where the tenant's documents live. */
  readonly registryParameterName: string;
  /**
   * Principals CloudFormation creates, updates and deletes the index as; they get index management
   * (never document) permissions on this index.
   * @default - the role deployments run as (bootstrap `cfn-exec-role`)
   */
  readonly indexManagerArns?: readonly string[];
  /**
   * What happens to the index and its data access policy when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Keyword fields: exact-match filters (tenant, app, provenance, classification, PII kinds, fingerprint, status). */
const KEYWORD_FIELDS = ['kind', 'tenant', 'app', 'document_id', 'origin', 'author', 'classification', 'pii', 'fingerprint', 'status'];
/** Dates the TTL sweeper and filters range over. */
const DATE_FIELDS = ['created', 'expires'];
/**
 * The encrypted chunk text and its wrapped data key. `binary` fields are stored base64 in `_source`
 * and never indexed or searchable, so nothing about the text is queryable.
 */
const CIPHERTEXT_FIELDS = ['ciphertext', 'encrypted_key'];

/** What the tenant role may do with its documents: read, write and delete them, never manage the index. */
const TENANT_PERMISSIONS = ['aoss:ReadDocument', 'aoss:WriteDocument'];
/** The sweeper finds expired documents and deletes them; without the tenant key it sees ciphertext only. */
const SWEEPER_PERMISSIONS = ['aoss:ReadDocument', 'aoss:WriteDocument'];
/** CloudFormation manages the index itself but never reads or writes documents. */
const INDEX_MANAGER_PERMISSIONS = ['aoss:CreateIndex', 'aoss:DescribeIndex', 'aoss:UpdateIndex', 'aoss:DeleteIndex'];

/**
 * One tenant's index of documents in a vector collection, the data access policy that admits only
 * that tenant's role (and the TTL sweeper) to only that index, and the tenant's vector registry entry
 * (`{"endpoint","index","keyArn"}`). The index mapping comes from config; changing it updates the index
 * in place (OpenSearch refuses a changed `knn_vector` field, so the update fails instead of replacing
 * the index), and nothing else of the config touches it.
 */
export class TenantVectorIndex extends Construct {
  /** The index name, `tenant-<tenantId>`. */
  public readonly indexName: string;
  /** The index. */
  public readonly index: aoss.CfnIndex;
  /** The data access policy of the index. */
  public readonly accessPolicy: aoss.CfnAccessPolicy;
  /** The vector registry entry. */
  public readonly registryEntry: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: TenantVectorIndexProps) {
    super(scope, id);
    this.indexName = tenantIndexName(props.tenantId);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessPolicy = new aoss.CfnAccessPolicy(this, 'AccessPolicy', {
      name: tenantDataAccessPolicyName(props.environmentName, props.tenantId),
      type: 'data',
      description: `Index ${this.indexName} of tenant ${props.tenantId}: its role only (and the TTL sweeper)`,
      policy: Stack.of(this).toJsonString(this.accessRules(props)),
    });
    this.accessPolicy.applyRemovalPolicy(removalPolicy);

    this.index = new aoss.CfnIndex(this, 'Index', {
      collectionEndpoint: props.store.collectionEndpoint,
      indexName: this.indexName,
      settings: { index: { knn: true } },
      mappings: { properties: indexProperties(props.vectorField) },
    });
    this.index.applyRemovalPolicy(removalPolicy);
    // CloudFormation creates the index as a principal of the policy, through the collection's network rules.
    this.index.addResourceDependency(this.accessPolicy);
    this.index.node.addDependency(props.store);

    props.store.grantApiAccess(props.tenantRole);

    this.registryEntry = new ssm.StringParameter(this, 'RegistryEntry', {
      parameterName: props.registryParameterName,
      description: `Microplane: where tenant ${props.tenantId}'s documents live (collection endpoint, index, key)`,
      stringValue: Stack.of(this).toJsonString({
        endpoint: props.store.collectionEndpoint,
        index: this.indexName,
        keyArn: props.tenantKey.keyArn,
      }),
    });
    // Functions find the tenant only once its index exists.
    this.registryEntry.node.addDependency(this.index);
  }

  private accessRules(props: TenantVectorIndexProps): object[] {
    const index = [`index/${props.store.collectionName}/${this.indexName}`];
    const managers = props.indexManagerArns ?? defaultIndexManagers(this);
    return [
      {
        Description: `Tenant ${props.tenantId}: its documents, through its own role only`,
        Rules: [{ ResourceType: 'index', Resource: index, Permission: TENANT_PERMISSIONS }],
        Principal: [props.tenantRole.roleArn],
      },
      {
        Description: 'The TTL sweeper: finds and deletes expired documents; it has no tenant key, so it sees ciphertext only',
        Rules: [{ ResourceType: 'index', Resource: index, Permission: SWEEPER_PERMISSIONS }],
        Principal: [props.sweeperRoleArn],
      },
      {
        Description: 'Deployments: create, update and delete the index itself, never its documents',
        Rules: [{ ResourceType: 'index', Resource: index, Permission: INDEX_MANAGER_PERMISSIONS }],
        Principal: [...managers],
      },
    ];
  }
}

function defaultIndexManagers(scope: Construct): string[] {
  const deployer = deployingRoleArn(scope);
  if (deployer === undefined) {
    throw new Error(`${scope.node.path}: the stack does not use the default synthesizer, so give indexManagerArns (the role CloudFormation deploys as)`);
  }
  return [deployer];
}

/** The mapping of a tenant index: the stored document shape the documents functions write. */
export function indexProperties(vector: VectorFieldSettings): Record<string, aoss.CfnIndex.PropertyMappingProperty> {
  const properties: Record<string, aoss.CfnIndex.PropertyMappingProperty> = {};
  for (const field of KEYWORD_FIELDS) properties[field] = { type: 'keyword' };
  for (const field of DATE_FIELDS) properties[field] = { type: 'date' };
  for (const field of CIPHERTEXT_FIELDS) properties[field] = { type: 'binary' };
  properties.chunk = { type: 'integer' };
  properties.embedding = {
    type: 'knn_vector',
    dimension: vector.dimensions,
    method: { name: 'hnsw', engine: vector.engine, spaceType: vector.spaceType },
  };
  return properties;
}
