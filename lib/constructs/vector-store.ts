import { Arn, ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import { Construct, IConstruct } from 'constructs';
import { AOSS_POLICY_NAME_MAX, COLLECTION_NAME_MAX } from '../platform-parameters';

/** An OpenSearch Serverless vector collection, created here or imported from its attributes. */
export interface IVectorStore extends IConstruct {
  /** The collection's ARN, `arn:aws:aoss:<region>:<account>:collection/<id>`. */
  readonly collectionArn: string;
  /** The collection's endpoint, `https://<id>.<region>.aoss.amazonaws.com`. */
  readonly collectionEndpoint: string;
  /** The collection's id. */
  readonly collectionId: string;
  /** The collection's name, which data access policies use to name its indexes (`index/<name>/<index>`). */
  readonly collectionName: string;
  /**
   * Lets `grantee` call the collection's OpenSearch API (IAM `aoss:APIAccessAll` on this collection).
   * The collection's data access policies still decide which indexes and operations it may use.
   */
  grantApiAccess(grantee: iam.IGrantable): iam.Grant;
}

/** What {@link VectorStore.fromCollectionAttributes} needs. */
export interface VectorStoreAttributes {
  /** The collection's ARN. */
  readonly collectionArn: string;
  /** The collection's endpoint. */
  readonly collectionEndpoint: string;
  /** The collection's name. */
  readonly collectionName: string;
}

/** Properties of {@link VectorStore}. */
export interface VectorStoreProps {
  /** The collection's name: 3 to 28 lowercase letters, digits or hyphens, starting with a letter, unique in the region. */
  readonly collectionName: string;
  /**
   * The customer managed key the collection is encrypted with. Collections under the same key share
   * their OpenSearch compute units (OCUs); each other key starts its own, billed separately.
   */
  readonly encryptionKey: kms.IKey;
  /**
   * The OpenSearch Serverless VPC endpoint (`vpce-…`) the collection admits: its only network path.
   * Nothing reaches the collection from the internet, and its Dashboards endpoint from nowhere.
   */
  readonly vpcEndpointId: string;
  /**
   * Keep standby replicas in a second availability zone. Off halves the minimum capacity but the
   * collection stops serving when its zone fails. Fixed when the collection is created.
   * @default true
   */
  readonly standbyReplicas?: boolean;
  /**
   * What the collection holds, shown in the console.
   * @default - none
   */
  readonly description?: string;
  /**
   * What happens to the collection and its policies when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const COLLECTION_NAME = /^[a-z][a-z0-9-]{2,}$/;

/**
 * An OpenSearch Serverless `VECTORSEARCH` collection under a customer managed key, reachable only
 * through one VPC endpoint: an encryption policy names the key (never the AWS owned key), a network
 * policy admits the endpoint and no public network. Who may use which index is up to data access
 * policies, one per tenant index ({@link TenantVectorIndex}).
 */
export class VectorStore extends Construct implements IVectorStore {
  /** A collection created elsewhere (e.g. the pooled one, in a tenant stack), from its published attributes. */
  public static fromCollectionAttributes(scope: Construct, id: string, attributes: VectorStoreAttributes): IVectorStore {
    return new ImportedVectorStore(scope, id, attributes);
  }

  public readonly collectionArn: string;
  public readonly collectionEndpoint: string;
  public readonly collectionId: string;
  public readonly collectionName: string;
  /** The collection. */
  public readonly collection: aoss.CfnCollection;
  /** The encryption policy that assigns the key to the collection. */
  public readonly encryptionPolicy: aoss.CfnSecurityPolicy;
  /** The network policy that admits only the VPC endpoint. */
  public readonly networkPolicy: aoss.CfnSecurityPolicy;

  constructor(scope: Construct, id: string, props: VectorStoreProps) {
    super(scope, id);
    validateCollectionName(this, props.collectionName);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const resource = `collection/${props.collectionName}`;
    this.collectionName = props.collectionName;

    this.encryptionPolicy = new aoss.CfnSecurityPolicy(this, 'EncryptionPolicy', {
      name: policyName(props.collectionName, 'key'),
      type: 'encryption',
      description: `The customer managed key of collection ${props.collectionName}`,
      policy: stack.toJsonString({
        Rules: [{ ResourceType: 'collection', Resource: [resource] }],
        AWSOwnedKey: false,
        KmsARN: props.encryptionKey.keyArn,
      }),
    });
    this.networkPolicy = new aoss.CfnSecurityPolicy(this, 'NetworkPolicy', {
      name: policyName(props.collectionName, 'net'),
      type: 'network',
      description: `Collection ${props.collectionName}: the platform VPC endpoint only; no public access, no Dashboards`,
      policy: stack.toJsonString([
        {
          Description: 'The OpenSearch API through the platform VPC endpoint only',
          Rules: [{ ResourceType: 'collection', Resource: [resource] }],
          AllowFromPublic: false,
          SourceVPCEs: [props.vpcEndpointId],
        },
      ]),
    });
    this.collection = new aoss.CfnCollection(this, 'Collection', {
      name: props.collectionName,
      type: 'VECTORSEARCH',
      description: props.description,
      standbyReplicas: props.standbyReplicas ?? true ? 'ENABLED' : 'DISABLED',
    });
    // OpenSearch Serverless refuses a collection that no encryption policy matches.
    this.collection.addResourceDependency(this.encryptionPolicy);
    this.collection.addResourceDependency(this.networkPolicy);
    for (const resource of [this.collection, this.encryptionPolicy, this.networkPolicy]) resource.applyRemovalPolicy(removalPolicy);

    this.collectionArn = this.collection.attrArn;
    this.collectionEndpoint = this.collection.attrCollectionEndpoint;
    this.collectionId = this.collection.attrId;
  }

  public grantApiAccess(grantee: iam.IGrantable): iam.Grant {
    return grantApiAccess(grantee, this.collectionArn);
  }
}

class ImportedVectorStore extends Construct implements IVectorStore {
  public readonly collectionArn: string;
  public readonly collectionEndpoint: string;
  public readonly collectionId: string;
  public readonly collectionName: string;

  constructor(scope: Construct, id: string, attributes: VectorStoreAttributes) {
    super(scope, id);
    validateCollectionName(this, attributes.collectionName);
    this.collectionArn = attributes.collectionArn;
    this.collectionEndpoint = attributes.collectionEndpoint;
    this.collectionName = attributes.collectionName;
    this.collectionId = Arn.split(attributes.collectionArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName!;
  }

  public grantApiAccess(grantee: iam.IGrantable): iam.Grant {
    return grantApiAccess(grantee, this.collectionArn);
  }
}

function grantApiAccess(grantee: iam.IGrantable, collectionArn: string): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: ['aoss:APIAccessAll'], resourceArns: [collectionArn] });
}

function validateCollectionName(scope: Construct, name: string): void {
  if (name.length > COLLECTION_NAME_MAX || !COLLECTION_NAME.test(name)) {
    throw new Error(
      `${scope.node.path}: collection name "${name}" must be 3 to ${COLLECTION_NAME_MAX} lowercase letters, digits or hyphens, starting with a letter`,
    );
  }
}

/** `<collection>-<kind>`: collection names leave room for the suffix within the 32-character policy names. */
function policyName(collectionName: string, kind: string): string {
  const name = `${collectionName}-${kind}`;
  if (name.length > AOSS_POLICY_NAME_MAX) throw new Error(`policy name "${name}" is longer than ${AOSS_POLICY_NAME_MAX} characters`);
  return name;
}
