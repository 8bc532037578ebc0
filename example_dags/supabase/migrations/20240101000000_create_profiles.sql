-- Profiles of signed-up users, readable by anyone and writable by their owner.
create table public.profiles (
    id uuid primary key,
    username text unique check (char_length(username) >= 3),
    updated_at timestamptz not null default now()
);

alter table public.profiles enable row level security;

create policy "profiles are public" on public.profiles for select using (true);
