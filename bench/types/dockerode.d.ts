/**
 * dockerode ships no types and @types/dockerode is not a dependency: the benchmark declares
 * the module loosely and types the few calls it makes where it makes them.
 */
declare module "dockerode" {
  const Docker: new (options: { socketPath: string }) => any;
  export default Docker;
}
