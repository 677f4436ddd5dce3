export function json(data, status = 200) {
  return Response.json(data, { status });
}
