package main

import (
	"context"
	"fmt"

	"github.com/kasuhara/kasuhara"
)

func init() {
	register(&command{name: "org create", summary: "create an organization or a group's subsidiary", run: runOrgCreate})
	register(&command{name: "org list", summary: "list organizations", run: runOrgList})
}

func runOrgCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "org create", "Create an organization. With -parent it becomes a subsidiary of that group: users of the parent with group access reach it.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	slug := fs.String("slug", "", "identifier used in URLs, e.g. sakura-retail (required)")
	name := fs.String("name", "", "name shown to people (required)")
	parent := fs.String("parent", "", "slug of the parent organization")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *slug == "" || *name == "" {
		return fmt.Errorf("missing -slug or -name")
	}
	a, db, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	o := &kasuhara.Organization{Slug: *slug, Name: *name}
	if *parent != "" {
		p, err := db.FindOrgBySlug(ctx, *parent)
		if err != nil {
			return fmt.Errorf("parent %q: %w", *parent, cliError(err))
		}
		o.ParentID = &p.ID
	}
	if err := a.CreateOrg(ctx, nil, o); err != nil {
		return cliError(err)
	}
	fmt.Fprintf(e.stdout, "Created organization %d %s (%s).\n", o.ID, o.Slug, o.Name)
	return nil
}

func runOrgList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "org list", "List every organization with its parent.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, _, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	orgs, err := db.ListOrgs(ctx)
	if err != nil {
		return err
	}
	slugs := map[int64]string{}
	for _, o := range orgs {
		slugs[o.ID] = o.Slug
	}
	for _, o := range orgs {
		parent := "-"
		if o.ParentID != nil {
			parent = slugs[*o.ParentID]
		}
		fmt.Fprintf(e.stdout, "%d\t%s\t%s\tparent=%s\n", o.ID, o.Slug, o.Name, parent)
	}
	return nil
}
