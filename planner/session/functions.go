package session

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/sql"
)

// This engine has Flink's built-in functions (the core module) and no user
// functions: CREATE FUNCTION names a Java, Scala or Python class, which a
// Go engine cannot load. So CREATE FUNCTION is refused, SHOW USER FUNCTIONS
// is always empty, and DROP FUNCTION finds nothing to drop — with Flink's
// messages for a function that does not exist.

// createFunction refuses CREATE [TEMPORARY [SYSTEM]] FUNCTION, saying why.
func (s *Session) createFunction(x *sql.CreateFunction) (*Result, error) {
	name := x.Name.Name()
	if !x.System {
		p, err := s.cat.Resolve(x.Name)
		if err != nil {
			return nil, err
		}
		name = p.String()
	}
	lang := x.Language
	if lang == "" {
		lang = "JAVA"
	}
	return nil, &planner.ValidationError{Msg: fmt.Sprintf(
		"Could not register function '%s': user-defined functions are classes (here the %s class '%s') that this engine cannot load; it runs Flink's built-in functions only (SHOW FUNCTIONS lists them).",
		name, lang, x.Class)}
}

// dropFunction is DROP [TEMPORARY [SYSTEM]] FUNCTION [IF EXISTS] name: as
// there are no user functions, it succeeds only with IF EXISTS, and
// otherwise fails as Flink does for a missing function (TableEnvironmentImpl
// and FunctionCatalog).
func (s *Session) dropFunction(x *sql.DropFunction) (*Result, error) {
	if x.System {
		if x.IfExists {
			return ok(), nil
		}
		return nil, &planner.ValidationError{Msg: fmt.Sprintf(
			"Could not drop temporary system function. A function named '%s' doesn't exist.", x.Name.Name())}
	}
	p, err := s.cat.Resolve(x.Name)
	if err != nil {
		return nil, err
	}
	if x.Temporary {
		if x.IfExists {
			return ok(), nil
		}
		return nil, &planner.ValidationError{Msg: fmt.Sprintf("Temporary catalog function %s doesn't exist", p.Quoted())}
	}
	return s.missingCatalogFunction(p, x.IfExists)
}

// missingCatalogFunction is the outcome of dropping or altering catalog
// function p, which cannot exist: Flink's errors for a missing catalog or
// function, or success with IF EXISTS.
func (s *Session) missingCatalogFunction(p planner.Path, ifExists bool) (*Result, error) {
	if _, found := s.cat.CatalogInfo(p.Catalog); !found {
		return nil, &planner.ValidationError{Msg: fmt.Sprintf("Catalog %s does not exist", p.Catalog)}
	}
	if ifExists {
		return ok(), nil
	}
	// GenericInMemoryCatalog.dropFunction / alterFunction: the path with
	// the function name normalized to lower case.
	return nil, &planner.CatalogObjectError{Class: "FunctionNotExistException", Msg: fmt.Sprintf(
		"Function %s.%s does not exist in Catalog %s.", p.Database, strings.ToLower(p.Object), p.Catalog)}
}

// alterFunction is ALTER [TEMPORARY [SYSTEM]] FUNCTION [IF EXISTS] name AS
// 'class': Flink refuses the temporary forms outright; a catalog function
// cannot exist here (CREATE FUNCTION loads no classes), so it fails as
// Flink does for a missing one, or succeeds with IF EXISTS.
func (s *Session) alterFunction(x *sql.AlterFunction) (*Result, error) {
	if x.System {
		return nil, &planner.ValidationError{Msg: "Alter temporary system function is not supported"}
	}
	if x.Temporary {
		return nil, &planner.ValidationError{Msg: "Alter temporary catalog function is not supported"}
	}
	p, err := s.cat.Resolve(x.Name)
	if err != nil {
		return nil, err
	}
	return s.missingCatalogFunction(p, x.IfExists)
}

// showFunctions is SHOW [USER] FUNCTIONS [FROM|IN [catalog.]db]
// [[NOT] LIKE|ILIKE 'p']: the built-in functions (none with USER or with
// the core module unloaded), sorted.
func (s *Session) showFunctions(x *sql.ShowFunctions) (*Result, error) {
	if x.From != nil && len(x.From.Parts) > 2 {
		op := "SHOW FUNCTIONS"
		if x.User {
			op = "SHOW USER FUNCTIONS"
		}
		return nil, &planner.ValidationError{Msg: fmt.Sprintf(
			"%s from/in identifier [ %s ] format error, it should be [catalog_name.]database_name.", op, strings.Join(x.From.Parts, "."))}
	}
	if x.User || s.coreUnloaded {
		// No user functions (Java classes cannot be loaded); the built-in
		// ones belong to the core module.
		return nameTable("function name", nil), nil
	}
	var out []string
	for _, n := range expr.Names() {
		if !isFunctionName(n) {
			continue // operators and internal spellings
		}
		out = append(out, strings.ToLower(n))
	}
	sort.Strings(out)
	return nameTable("function name", filterLike(x.Like, out)), nil
}
