export default async function stopPostgres(): Promise<void> {
  await globalThis.__POSTGRES__?.stop();
}
