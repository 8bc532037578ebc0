// A minimal Edge Function: POST {"name": "Ada"} and it greets you back.
// Deployed by the supabase_provision_project and supabase_deploy_functions example DAGs.
Deno.serve(async (req: Request) => {
  const { name } = await req.json().catch(() => ({ name: "world" }));
  return new Response(JSON.stringify({ message: `Hello ${name}!` }), {
    headers: { "Content-Type": "application/json" },
  });
});
