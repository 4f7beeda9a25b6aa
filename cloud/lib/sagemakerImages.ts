/**
 * Registry accounts of SageMaker's built-in algorithm images, per region. The CDK has no lookup for
 * these; the values are the ones SageMaker documents ("Docker Registry Paths and Example Code",
 * one page per region) and that the SageMaker Python SDK ships as
 * `image_uri_config/randomcutforest.json` and `image_uri_config/forecasting-deepar.json`.
 * RCF and DeepAR live in different accounts in several regions, hence two maps.
 */
import { Aws, CfnMapping, Fn, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export type BuiltInAlgorithm = 'randomcutforest' | 'forecasting-deepar';

export const ALGORITHM_REGISTRY_ACCOUNTS: Readonly<Record<BuiltInAlgorithm, Readonly<Record<string, string>>>> = {
  randomcutforest: {
    'af-south-1': '455444449433', 'ap-east-1': '286214385809', 'ap-northeast-1': '351501993468',
    'ap-northeast-2': '835164637446', 'ap-northeast-3': '867004704886', 'ap-south-1': '991648021394',
    'ap-southeast-1': '475088953585', 'ap-southeast-2': '712309505854', 'ap-southeast-3': '951798379941',
    'ca-central-1': '469771592824', 'cn-north-1': '390948362332', 'cn-northwest-1': '387376663083',
    'eu-central-1': '664544806723', 'eu-north-1': '669576153137', 'eu-south-1': '257386234256',
    'eu-west-1': '438346466558', 'eu-west-2': '644912444149', 'eu-west-3': '749696950732',
    'me-south-1': '249704162688', 'sa-east-1': '855470959533', 'us-east-1': '382416733822',
    'us-east-2': '404615174143', 'us-gov-west-1': '226302683700', 'us-west-1': '632365934929',
    'us-west-2': '174872318107',
  },
  'forecasting-deepar': {
    'af-south-1': '455444449433', 'ap-east-1': '286214385809', 'ap-northeast-1': '633353088612',
    'ap-northeast-2': '204372634319', 'ap-northeast-3': '364406365360', 'ap-south-1': '991648021394',
    'ap-southeast-1': '475088953585', 'ap-southeast-2': '514117268639', 'ca-central-1': '469771592824',
    'cn-north-1': '390948362332', 'cn-northwest-1': '387376663083', 'eu-central-1': '495149712605',
    'eu-north-1': '669576153137', 'eu-south-1': '257386234256', 'eu-west-1': '224300973850',
    'eu-west-2': '644912444149', 'eu-west-3': '749696950732', 'me-south-1': '249704162688',
    'sa-east-1': '855470959533', 'us-east-1': '522234722520', 'us-east-2': '566113047672',
    'us-gov-west-1': '226302683700', 'us-west-1': '632365934929', 'us-west-2': '156387875391',
  },
};

/** Image tag of both algorithms: SageMaker publishes them as version `1` only. */
export const ALGORITHM_IMAGE_TAG = '1';

/**
 * The image URI of a built-in algorithm in the stack's region. The stack is environment-agnostic,
 * so the region is only known at deploy time: the map becomes a CloudFormation mapping and the
 * account is picked with Fn::FindInMap (a region missing from the map fails the deployment there,
 * rather than training with another region's image).
 */
export function algorithmImageUri(scope: Construct, algorithm: BuiltInAlgorithm): string {
  const stack = Stack.of(scope);
  const id = `SageMakerImageAccounts${algorithm === 'randomcutforest' ? 'Rcf' : 'DeepAr'}`;
  const mapping = (stack.node.tryFindChild(id) as CfnMapping | undefined) ?? new CfnMapping(stack, id, {
    mapping: Object.fromEntries(Object.entries(ALGORITHM_REGISTRY_ACCOUNTS[algorithm]).map(([region, account]) => [region, { account }])),
  });
  return Fn.join('', [mapping.findInMap(Aws.REGION, 'account'), '.dkr.ecr.', Aws.REGION, '.', Aws.URL_SUFFIX, `/${algorithm}:${ALGORITHM_IMAGE_TAG}`]);
}
