// piscina's no-op task: the no-network ceiling for tiny tasks on 2 threads.
export default function noop() {
  return 1;
}
