/**
 * Registry accounts of SageMaker's built-in algorithm images, per region. The CDK has no lookup for
 * these; the values are the ones SageMaker documents ("Docker Registry Paths and Example Code",
 * one page per region) and that the SageMaker Python SDK ships as
 * `image_uri_config/randomcutforest.json` and `image_uri_config/forecasting-deepar.json`.
 * RCF and DeepAR live in different accounts in several regions, hence a pair of accounts per region.
 */
import { Aws, CfnMapping, Fn, Stack } from "aws-cdk-lib";
import type { Construct } from "constructs";

export type BuiltInAlgorithm = "randomcutforest" | "forecasting-deepar";

/** Per region: the RCF account, then the DeepAR account (absent: SageMaker publishes no DeepAR image there). */
const ACCOUNTS_BY_REGION: Readonly<Record<string, readonly [rcf: string, deepar?: string]>> = {
  "af-south-1": ["455444449433", "455444449433"],
  "ap-east-1": ["286214385809", "286214385809"],
  "ap-northeast-1": ["351501993468", "633353088612"],
  "ap-northeast-2": ["835164637446", "204372634319"],
  "ap-northeast-3": ["867004704886", "364406365360"],
  "ap-south-1": ["991648021394", "991648021394"],
  "ap-southeast-1": ["475088953585", "475088953585"],
  "ap-southeast-2": ["712309505854", "514117268639"],
  "ap-southeast-3": ["951798379941"],
  "ca-central-1": ["469771592824", "469771592824"],
  "cn-north-1": ["390948362332", "390948362332"],
  "cn-northwest-1": ["387376663083", "387376663083"],
  "eu-central-1": ["664544806723", "495149712605"],
  "eu-north-1": ["669576153137", "669576153137"],
  "eu-south-1": ["257386234256", "257386234256"],
  "eu-west-1": ["438346466558", "224300973850"],
  "eu-west-2": ["644912444149", "644912444149"],
  "eu-west-3": ["749696950732", "749696950732"],
  "me-south-1": ["249704162688", "249704162688"],
  "sa-east-1": ["855470959533", "855470959533"],
  "us-east-1": ["382416733822", "522234722520"],
  "us-east-2": ["404615174143", "566113047672"],
  "us-gov-west-1": ["226302683700", "226302683700"],
  "us-west-1": ["632365934929", "632365934929"],
  "us-west-2": ["174872318107", "156387875391"],
};

function accountsOf(column: 0 | 1): Readonly<Record<string, string>> {
  return Object.fromEntries(
    Object.entries(ACCOUNTS_BY_REGION).flatMap(([region, accounts]) => {
      const account = accounts[column];
      return account === undefined ? [] : [[region, account]];
    }),
  );
}

export const ALGORITHM_REGISTRY_ACCOUNTS: Readonly<Record<BuiltInAlgorithm, Readonly<Record<string, string>>>> = {
  randomcutforest: accountsOf(0),
  "forecasting-deepar": accountsOf(1),
};

/** Image tag of both algorithms: SageMaker publishes them as version `1` only. */
export const ALGORITHM_IMAGE_TAG = "1";

/**
 * The image URI of a built-in algorithm in the stack's region. The stack is environment-agnostic,
 * so the region is only known at deploy time: the map becomes a CloudFormation mapping and the
 * account is picked with Fn::FindInMap (a region missing from the map fails the deployment there,
 * rather than training with another region's image).
 */
export function algorithmImageUri(scope: Construct, algorithm: BuiltInAlgorithm): string {
  const stack = Stack.of(scope);
  const id = `SageMakerImageAccounts${algorithm === "randomcutforest" ? "Rcf" : "DeepAr"}`;
  const mapping =
    (stack.node.tryFindChild(id) as CfnMapping | undefined) ??
    new CfnMapping(stack, id, {
      mapping: Object.fromEntries(Object.entries(ALGORITHM_REGISTRY_ACCOUNTS[algorithm]).map(([region, account]) => [region, { account }])),
    });
  return Fn.join("", [mapping.findInMap(Aws.REGION, "account"), ".dkr.ecr.", Aws.REGION, ".", Aws.URL_SUFFIX, `/${algorithm}:${ALGORITHM_IMAGE_TAG}`]);
}
